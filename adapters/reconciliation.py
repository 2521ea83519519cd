"""The partner's holdings from its registry data, for reconciliation with the hub.

A registry folder holds the partner's deliveries as sub-folders (each with
its manifest.json). They are read in the manifests' created_at order with
the partner's adapter, exactly as for submission, so a record maps to the
same ClaimSubmission and the same reconciliation digest the hub computes;
the latest delivery of a record id wins (within one delivery, its later
row). Each record becomes a Holding with
hub.domain.reconciliation.partner_holding, its state being the origin
status the registry reports, its trail the cancellations at source the
attestation journal recorded for it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from adapters.attestation_journal import AttestationJournal
from adapters.manifest import MANIFEST_NAME
from adapters.registry import adapter_for
from carbonhub_contract.vocabulary.holdings import Holding, Total, partner_holding, totals_of
from carbonhub_contract.vocabulary.records import ClaimSubmission


@dataclass(frozen=True, slots=True)
class RegistryHoldings:
    partner: str
    deliveries: tuple[str, ...]  # delivery ids read, in the order applied
    refused: tuple[str, ...]  # delivery folders the adapter refused whole
    submissions: dict[str, ClaimSubmission]  # by record id: the latest
    holdings: list[Holding]  # by record id
    totals: list[Total]


def _created_at(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return datetime.min.replace(tzinfo=UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def delivery_folders(registry: Path, partner: str) -> list[Path]:
    """The sub-folders of ``registry`` whose manifest names ``partner``, in created_at order.

    A manifest that cannot be read is kept (first): the adapter then reports
    the delivery refused rather than it vanishing from the reconciliation.
    """
    found: list[tuple[datetime, str, Path]] = []
    for folder in sorted(p for p in registry.iterdir() if p.is_dir()):
        manifest = folder / MANIFEST_NAME
        if not manifest.is_file():
            continue
        try:
            data = json.loads(manifest.read_bytes().decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            found.append((_created_at(""), folder.name, folder))
            continue
        if not isinstance(data, dict) or data.get("partner") != partner:
            continue
        found.append((_created_at(str(data.get("created_at", ""))), folder.name, folder))
    return [folder for _, _, folder in sorted(found, key=lambda t: (t[0], t[1]))]


def registry_holdings(
    name: str, registry: Path, journal: AttestationJournal | None = None
) -> RegistryHoldings:
    """The holdings of partner adapter ``name`` from the deliveries under ``registry``."""
    adapter = adapter_for(name)
    latest: dict[str, ClaimSubmission] = {}
    read: list[str] = []
    refused: list[str] = []
    for folder in delivery_folders(registry, adapter.partner):
        delivery = adapter.read(folder)
        if delivery.refused:
            refused.append(folder.name)
            continue
        read.append(delivery.delivery_id)
        for claim in delivery.claims:
            latest[claim.submission.record_id] = claim.submission
    trails = journal.trails(adapter.partner, latest.values()) if journal is not None else {}
    holdings = [
        partner_holding(s, s.origin_status, trails.get(record_id, ()))
        for record_id, s in sorted(latest.items())
    ]
    return RegistryHoldings(
        partner=adapter.partner,
        deliveries=tuple(read),
        refused=tuple(refused),
        submissions=latest,
        holdings=holdings,
        totals=totals_of(holdings),
    )
