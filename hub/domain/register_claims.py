"""A claim against the registers outside the hub: the same units credited twice.

A green electricity certificate (绿证, GEC) is issued for every MWh a PV
asset generates, a Hong Kong REC for the generation its utility bought, a
CCER or a Shenzhen carbon-inclusion credit for a monitoring period's
reductions. A hub claim for the same asset over the same period, or for an
origin serial block the register also issued, is double issuance.

How a register entry meets a claim (each entry of each register's current
list, hub.domain.registers):

- **identified**: the entry's ``asset_id`` is the claim's project or site id,
  or the entry's serial range overlaps the claim's origin serial block;
- **described**: the entry's point and size describe the claim's registered
  project by the asset matching's tolerances (a neighbouring roof of a
  similar size is described too: the match is not proof).

What it covers: its serial range (when that overlaps, the very units), its
period (inclusive days, UTC+8: China and Hong Kong keep no summer time)
when the claim's monitoring period overlaps it, or, with neither, the asset
as a whole (a listing: the register may credit any period).

The decision does not depend on which of the four registers it is: each
issues something for exactly the units its entry names (GEC and HK RECs
the attribute of the kWh, CCER and Shenzhen's platform the credit). So

- **REJECTED** (``CLAIM_CREDITED_IN_EXTERNAL_REGISTER``): the entry
  identifies the claim's asset and its period overlaps the claim's, or its
  serial range overlaps the claim's origin block: the same units, proven;
- **HELD** (``CLAIM_ASSET_IN_EXTERNAL_REGISTER``): the entry only describes
  the asset (by point and size) and its period overlaps, or it lists the
  asset without a period (and without serials of the claim's series
  that miss its block): the bureau asks the register.

An entry whose period does not overlap the claim's says nothing against it
(a GEC for other months of the same roof).

A list loaded after claims were recorded re-examines them by the same rule
(hub.services.register_claims.reexamine_recorded): a claim not issued yet
is rejected or held as if the list had been there at its delivery; an issued
one is never changed: each of its blocks gets an EXTERNAL_REGISTER
discrepancy (``register_discrepancy``) for the bureau, and is frozen.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, timezone

from carbonhub_contract.vocabulary.records import ClaimSubmission
from hub.domain.asset_matching import AssetSite, Thresholds, match_keys, stored_keys
from hub.domain.checks import CheckResult, fire
from hub.domain.claim_assessment import ClaimAssessment
from hub.domain.locks import OriginBlock
from hub.domain.reconciliation import Discrepancy, DiscrepancyKind, Phase
from hub.domain.registers import (
    REGISTER_NAMES,
    ListedEntry,
    RegisterEntry,
    RegisterKind,
    SerialRange,
    asset_id_folded,
    describes,
    names_asset,
)

CREDITED = "CLAIM_CREDITED_IN_EXTERNAL_REGISTER"
LISTED = "CLAIM_ASSET_IN_EXTERNAL_REGISTER"
# The registers' local time: China Standard Time and Hong Kong Time, UTC+8.
REGISTER_TIME = timezone(timedelta(hours=8))


def asset_id_key(asset_id: str) -> str:
    return f"asset-id:{asset_id_folded(asset_id)}"


def serial_key(series: str) -> str:
    return f"serial:{series.upper()}"


def entry_keys(kind: RegisterKind, entry: RegisterEntry) -> set[str]:
    """The index keys an entry is found under: its site's, its asset id's
    and its serial series'."""
    site = entry.site(kind)
    keys = set(stored_keys(site)) if site is not None else set()
    if entry.asset_id:
        keys.add(asset_id_key(entry.asset_id))
    if entry.serials is not None:
        keys.add(serial_key(entry.serials.series))
    return keys


@dataclass(frozen=True, slots=True)
class ClaimedUnits:
    """What of a claim a register entry may cover."""

    ids: tuple[str, ...]  # the claim's project and site ids
    period_start: datetime  # aware
    period_end: datetime  # aware, exclusive
    serials: SerialRange | None  # the claim's origin serial block
    site: AssetSite | None  # its registered project, as the matching compares it


def claimed_units(
    submission: ClaimSubmission, assessment: ClaimAssessment, site: AssetSite | None
) -> ClaimedUnits | None:
    """What of the claim an entry may cover; None when it has no period
    (not normalised: its own checks reject it already)."""
    normalised = assessment.normalised
    if normalised is None:
        return None
    ids = tuple(i.strip() for i in (submission.project_id, submission.site_id) if i and i.strip())
    block = assessment.origin_block
    serials = SerialRange(block.series.upper(), block.first, block.last) if block else None
    return ClaimedUnits(ids, normalised.period_start, normalised.period_end, serials, site)


def with_register_checks(
    assessment: ClaimAssessment, fired: Sequence[CheckResult]
) -> ClaimAssessment:
    """The assessment with the register checks that fired for its claim."""
    if not fired:
        return assessment
    return replace(assessment, checks=(*assessment.checks, *fired))


def lookup_keys(claim: ClaimedUnits, thresholds: Thresholds) -> set[str]:
    """The index keys under which an entry meeting the claim is found."""
    keys = {asset_id_key(i) for i in claim.ids}
    if claim.serials is not None:
        keys.add(serial_key(claim.serials.series))
    if claim.site is not None:
        keys.update(match_keys(claim.site, thresholds))
    return keys


def _instant(day: date) -> datetime:
    return datetime.combine(day, time(), REGISTER_TIME).astimezone(UTC)


def _period_overlaps(entry: RegisterEntry, claim: ClaimedUnits) -> bool:
    if entry.period_start is None or entry.period_end is None:
        return False
    start = _instant(entry.period_start)
    end = _instant(entry.period_end + timedelta(days=1))
    return start < claim.period_end and claim.period_start < end


def _other_units(entry: RegisterEntry, claim: ClaimedUnits) -> bool:
    """The entry's serials and the claim's are of one series (and, as no
    serial hit, do not overlap): they name other units of the asset."""
    return (
        entry.serials is not None
        and claim.serials is not None
        and entry.serials.series == claim.serials.series
    )


def _entry_period(entry: RegisterEntry) -> str:
    if entry.period_start is None or entry.period_end is None:
        return ""
    return f"{entry.period_start.isoformat()}..{entry.period_end.isoformat()}"


def claim_register_checks(
    claim: ClaimedUnits, listed: Sequence[ListedEntry], thresholds: Thresholds
) -> list[CheckResult]:
    """One check for each register entry that covers the claim's units or
    lists its asset, in the order given (by register, then entry)."""
    found: list[CheckResult] = []
    for item in listed:
        entry = item.entry
        serial_hit = (
            entry.serials is not None
            and claim.serials is not None
            and entry.serials.overlaps(claim.serials)
        )
        identified = names_asset(entry, claim.ids)
        described = claim.site is not None and describes(item, claim.site, thresholds)
        if not (serial_hit or identified or described):
            continue
        overlaps = _period_overlaps(entry, claim)
        if serial_hit or (identified and overlaps):
            code, how = CREDITED, "serial_range" if serial_hit else "asset_id"
        elif overlaps or (entry.period_start is None and not _other_units(entry, claim)):
            code, how = LISTED, "asset_id" if identified else "location_and_size"
        else:
            continue
        found.append(
            fire(
                code,
                field="origin_serial" if serial_hit else "project_id",
                register=REGISTER_NAMES[item.kind],
                kind=str(item.kind),
                entry_id=entry.entry_id,
                entry_name=entry.name,
                version=item.version,
                imported_at=item.imported_at,
                matched_by=how,
                entry_period=_entry_period(entry) or "-",
                entry_serials=str(entry.serials) if entry.serials is not None else "-",
                matches=f"{item.kind}/{entry.entry_id}",
            )
        )
    return found


def recorded_units(
    ids: Iterable[str | None],
    period_start: datetime | None,
    period_end: datetime | None,
    origin: OriginBlock | None,
    site: AssetSite | None,
) -> ClaimedUnits | None:
    """What of a recorded claim an entry may cover, as ``claimed_units`` says
    it for a new one; None without a period (never normalised)."""
    if period_start is None or period_end is None:
        return None
    kept = tuple(i.strip() for i in ids if i and i.strip())
    serials = SerialRange(origin.series.upper(), origin.first, origin.last) if origin else None
    return ClaimedUnits(kept, period_start, period_end, serials, site)


def entries_meeting(
    claim: ClaimedUnits, index: Mapping[str, Sequence[ListedEntry]], thresholds: Thresholds
) -> list[ListedEntry]:
    """The entries of ``index`` (by their index keys, entry_keys) found under
    the claim's look-up keys, once each, by register and entry."""
    found: dict[tuple[str, str], ListedEntry] = {}
    for key in lookup_keys(claim, thresholds):
        for item in index.get(key, ()):
            found[(str(item.kind), item.entry.entry_id)] = item
    return [found[key] for key in sorted(found)]


def not_yet_carried(
    carried: Iterable[CheckResult], fired: Iterable[CheckResult]
) -> list[CheckResult]:
    """The register checks that fired which the claim does not carry already
    (the same code for the same entry, e.g. from the list's earlier version)."""
    known = {(c.code, c.details.get("matches")) for c in carried}
    return [c for c in fired if (c.code, c.details.get("matches")) not in known]


def register_counterpart(kind: RegisterKind) -> str:
    """The counterpart of the reconciliation under which a list's import
    reports the issued claims it covers."""
    return f"register:{kind}"


REGISTER_COUNTERPARTS = tuple(register_counterpart(kind) for kind in RegisterKind)


def reported_subject(partner: str, record_id: str) -> str:
    """An issued claim as its EXTERNAL_REGISTER discrepancies name it (the
    reconciliation's counterpart is the register, not the partner)."""
    return f"{partner}/{record_id}"


def reported_value(check: CheckResult) -> str:
    """What the register says of an issued claim: the check and the entry."""
    return f"{check.code} {check.details.get('matches', '')}"


def register_discrepancy(
    partner: str, record_id: str, block_serial: str, check: CheckResult
) -> Discrepancy:
    """The discrepancy of one Shenzhen block issued from a claim that a list
    loaded afterwards covers (CREDITED) or lists (LISTED)."""
    return Discrepancy(
        Phase.UNIT_BLOCKS,
        DiscrepancyKind.EXTERNAL_REGISTER,
        reported_subject(partner, record_id),
        block_serial,
        reported_value(check),
    )
