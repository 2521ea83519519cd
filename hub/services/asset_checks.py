"""The same-asset checks of a project registration, inside its transaction.

Loads what the matching rules (hub.domain.asset_matching) compare: the
registered projects indexed under the keys a new registration could match,
guarded first so that of two concurrent registrations of one asset the
second finds the first; their boundaries, read through the geometry port,
and the hectares each shares with the new boundary. Stores the project's
own index keys and boundary once it is registered.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from hub.domain.asset_fingerprints import parse_key
from hub.domain.asset_matching import (
    AssetSite,
    BBox,
    Thresholds,
    match_keys,
    matches,
    site_of,
    stored_keys,
)
from hub.domain.checks import CheckResult
from hub.domain.normalisation import parse_decimal
from hub.domain.projects import Project
from hub.domain.register_claims import asset_id_key
from hub.domain.registers import register_checks
from hub.services.asset_port import StoredBoundary
from hub.services.boundary_port import Boundary, BoundaryGeometry
from hub.services.unit_of_work import UnitOfWork
from hub.standard.models import AssetMatching


def thresholds_of(data: AssetMatching) -> Thresholds:
    return Thresholds(
        capacity_tolerance=data.capacity_tolerance.value,
        location_distance_m=data.location_distance_m.value,
        boundary_overlap_share=data.boundary_overlap_share.value,
        boundary_area_tolerance=data.boundary_area_tolerance.value,
    )


def project_site(project: Project, bbox: BBox | None = None) -> AssetSite | None:
    """The project as the matching rules compare it; None without a fingerprint."""
    key = project.asset_fingerprint
    asset = parse_key(key) if key is not None else None
    lat, lon = parse_decimal(project.latitude), parse_decimal(project.longitude)
    size = parse_decimal(project.size_value)
    if asset is None or lat is None or lon is None or size is None:
        return None
    return site_of(
        project.partner,
        project.project_id,
        asset.family,
        lat,
        lon,
        size,
        project.size_unit,
        bbox,
    )


class AssetMatcher:
    def __init__(self, thresholds: Thresholds, geometry: BoundaryGeometry) -> None:
        self._thresholds = thresholds
        self._geometry = geometry

    def checks(
        self, uow: UnitOfWork, project: Project, boundary: Boundary | None
    ) -> list[CheckResult]:
        """Every registered project the new registration matches, as checks."""
        site = project_site(project, boundary.bbox if boundary is not None else None)
        # The registers outside the hub first: their entries are named by the
        # register, not by a partner; an entry may name the project by its id.
        by_id = asset_id_key(project.project_id)
        if site is None:
            entries = uow.registers.current([by_id])
            return register_checks(None, entries, self._thresholds, project.project_id)
        wanted = match_keys(site, self._thresholds)
        uow.assets.guard({*wanted, *stored_keys(site)})
        entries = uow.registers.current([*wanted, by_id])
        listed = register_checks(site, entries, self._thresholds, project.project_id)
        own = (project.partner, project.project_id)
        found = [key for key in uow.assets.find(wanted) if key != own]
        if not found:
            return listed
        by_partner: defaultdict[str, list[str]] = defaultdict(list)
        for partner, project_id in found:
            by_partner[partner].append(project_id)
        registered: dict[tuple[str, str], Project] = {}
        for partner, ids in sorted(by_partner.items()):
            for project_id, other in uow.projects.get_many(partner, ids).items():
                registered[(partner, project_id)] = other
        stored = uow.assets.boundaries(found) if site.is_area else {}
        others: list[AssetSite] = []
        overlaps: dict[str, Decimal] = {}
        for key, other in sorted(registered.items()):
            kept = stored.get(key)
            other_boundary = self._geometry.parse(kept.wkt, kept.crs) if kept else None
            other_site = project_site(other, other_boundary.bbox if other_boundary else None)
            if other_site is None:
                continue
            others.append(other_site)
            if boundary is not None and other_boundary is not None:
                overlaps[other_site.label] = self._geometry.overlap_ha(boundary, other_boundary)
        return [*listed, *matches(site, others, self._thresholds, overlaps)]

    def store(self, uow: UnitOfWork, project: Project, boundary: Boundary | None) -> None:
        """Index the registered project and keep its boundary."""
        site = project_site(project, boundary.bbox if boundary is not None else None)
        keys = stored_keys(site) if site is not None else ()
        uow.assets.index(project.partner, project.project_id, keys)
        kept = (
            StoredBoundary(project.partner, project.project_id, boundary.wkt, boundary.crs)
            if boundary is not None
            else None
        )
        area = f"{boundary.area_ha:f}" if boundary is not None else ""
        uow.assets.set_boundary(project.partner, project.project_id, kept, area)

    def stored_boundary(self, uow: UnitOfWork, project: Project) -> Boundary | None:
        kept = uow.assets.boundaries([(project.partner, project.project_id)])
        found = kept.get((project.partner, project.project_id))
        return self._geometry.parse(found.wkt, found.crs) if found is not None else None
