"""The ledger for readers outside China: the CAD Trust v2 export and the
Article 6.2-style annual report of a partner, signed by the hub key.

Loads (through the read port below), calls the pure mappings in
hub.interchange, and signs: nothing here writes to the ledger.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

from carbonhub_contract.receipts import ReceiptSigner, canonical_json
from hub.errors import InvalidRequest
from hub.interchange.annual_report import (
    FIRST_YEAR,
    REPORT_TYPE,
    AgreementFacts,
    RecognitionFacts,
    annual_report,
    year_bounds,
)
from hub.interchange.cadt_mapping import CadtExport, to_cadt
from hub.interchange.ledger_facts import (
    AttestationFacts,
    BlockFacts,
    IssuanceFacts,
    MethodologyFacts,
    PartnerFacts,
    ProjectFacts,
    ReconciliationFacts,
)
from hub.services.clock import Clock
from hub.standard import Standard

REPORT_FORMATS = ("json", "xlsx", "html")
CADT_FORMATS = ("json", "xlsx")
SIGNED_REPORT_TYPE = f"{REPORT_TYPE}File"


class ExportReads(Protocol):
    def projects(self, since: datetime | None) -> list[ProjectFacts]: ...

    def projects_named(self, keys: Iterable[tuple[str, str]]) -> list[ProjectFacts]: ...

    def live_blocks(self, since: datetime | None) -> list[BlockFacts]: ...

    def issuances(self, issuance_ids: Iterable[str]) -> list[IssuanceFacts]: ...

    def first_transfers(self, partner: str, start: datetime, end: datetime) -> list[BlockFacts]: ...

    def leaves_issued_before(self, partner: str, end: datetime) -> list[BlockFacts]: ...

    def attestations(self, partner: str, end: datetime) -> list[AttestationFacts]: ...

    def reconciliations(
        self, partner: str, start: datetime, end: datetime
    ) -> list[ReconciliationFacts]: ...


def checked_format(fmt: str, allowed: tuple[str, ...]) -> str:
    wanted = fmt.strip().lower()
    if wanted not in allowed:
        raise InvalidRequest(
            "EXPORT_FORMAT_UNKNOWN",
            f"format {fmt!r} is not one of {', '.join(allowed)}",
            {"format": fmt[:40], "formats": ", ".join(allowed)},
        )
    return wanted


@dataclass(frozen=True)
class SignedFile:
    """A report file and the hub's receipt over it (report and file digest)."""

    data: bytes
    key_id: str
    statement: bytes
    signature: bytes


def report_statement(report: dict[str, Any], fmt: str, data: bytes) -> bytes:
    """What the hub signs for a report file: the report itself and the file's SHA-256."""
    return canonical_json(
        {
            "type": SIGNED_REPORT_TYPE,
            "format": fmt,
            "file_sha256": hashlib.sha256(data).hexdigest(),
            "report": report,
        }
    )


class ExportService:
    def __init__(
        self,
        reads: ExportReads,
        standard: Standard,
        clock: Clock,
        signer: Callable[[], ReceiptSigner],
    ) -> None:
        self._reads = reads
        self._standard = standard
        self._clock = clock
        self._signer = signer

    def now(self) -> datetime:
        return self._clock()

    # --- CAD Trust -------------------------------------------------------------

    def _partner_facts(self) -> dict[str, PartnerFacts]:
        facts: dict[str, PartnerFacts] = {}
        for partner in self._standard.partners():
            agreement = self._standard.agreement(partner)
            if agreement is not None:
                facts[partner] = PartnerFacts(
                    partner,
                    agreement.name_en,
                    agreement.region.iso_3166_2,
                    agreement.region.name_en,
                )
        return facts

    def _shenzhen_methodology(self, partner: str, partner_methodology: str) -> str | None:
        entry = self._standard.crosswalk_entry(partner, partner_methodology)
        return entry.methodology if entry is not None else None

    def cadt(self, since: datetime | None, link_base: str) -> CadtExport:
        """Projects and live blocks changed at or after ``since`` (all when None)."""
        # A block issued under a methodology's former id is exported under the
        # current one (its serial keeps the old id): one methodology record.
        current = self._standard.current_methodology_id
        blocks = [
            replace(b, methodology=current(b.methodology)) for b in self._reads.live_blocks(since)
        ]
        projects = {(p.partner, p.project_id): p for p in self._reads.projects(since)}
        wanted = {
            (b.partner, b.account.partition(":")[2])
            for b in blocks
            if b.account.startswith("project:")
        }
        for project in self._reads.projects_named(wanted - set(projects)):
            projects[(project.partner, project.project_id)] = project
        version = self._standard.header.version
        methodologies = {
            m.id: MethodologyFacts(m.id, m.name_en, version) for m in self._standard.methodologies()
        }
        return to_cadt(
            partners=self._partner_facts(),
            methodologies=methodologies,
            projects=[
                replace(p, methodology=self._shenzhen_methodology(p.partner, p.partner_methodology))
                for _, p in sorted(projects.items())
            ],
            issuances=self._reads.issuances(b.issuance_id for b in blocks),
            blocks=blocks,
            link_base=link_base,
        )

    # --- the annual report ------------------------------------------------------

    def _agreement(self, partner: str) -> AgreementFacts:
        agreement = self._standard.agreement(partner)
        if agreement is None:
            raise InvalidRequest(
                "PARTNER_UNKNOWN",
                f"the hub has no agreement with {partner!r}",
                {"partner": partner[:64], "partners": ", ".join(self._standard.partners())},
            )
        return AgreementFacts(
            partner=agreement.partner,
            name_zh=agreement.name_zh,
            name_en=agreement.name_en,
            region_iso_3166_2=agreement.region.iso_3166_2,
            region_name_en=agreement.region.name_en,
            adjustment_ref_required=agreement.adjustment_ref_required,
            project_review=str(agreement.project_review),
            recognised=tuple(
                RecognitionFacts(
                    r.partner_methodology,
                    self._shenzhen_methodology(partner, r.partner_methodology),
                    r.valid_from,
                    r.valid_to,
                )
                for r in agreement.recognised
            ),
            source=agreement.source,
            provisional=agreement.provisional,
        )

    def _checked_year(self, year: int) -> int:
        last = self._clock().year
        if not FIRST_YEAR <= year <= last:
            raise InvalidRequest(
                "REPORT_YEAR_INVALID",
                f"year {year} is outside {FIRST_YEAR}..{last}",
                {"year": str(year), "first": str(FIRST_YEAR), "last": str(last)},
            )
        return year

    def partner_code(self, partner: str) -> str:
        """The partner's code as the agreements spell it (case does not matter)."""
        for known in self._standard.partners():
            if known.lower() == partner.strip().lower():
                return known
        self._agreement(partner)  # refuses, naming the partners
        raise AssertionError("unreachable")

    def annual_report(self, partner: str, year: int, *, public: bool) -> dict[str, Any]:
        """The report of one partner and year; ``public`` withholds the
        reconciliations (the bureau's copy lists them)."""
        code = self.partner_code(partner)
        agreement = self._agreement(code)
        start, end = year_bounds(self._checked_year(year))
        first = self._reads.first_transfers(code, start, end)
        return annual_report(
            agreement=agreement,
            year=year,
            first_transfers=first,
            issuances=self._reads.issuances(b.issuance_id for b in first),
            leaves=self._reads.leaves_issued_before(code, end),
            attestations=self._reads.attestations(code, end),
            reconciliations=None if public else self._reads.reconciliations(code, start, end),
            generated_at=self._clock(),
        )

    def sign(self, report: dict[str, Any], fmt: str, data: bytes) -> SignedFile:
        receipt = self._signer().receipt(report_statement(report, fmt, data))
        return SignedFile(data, receipt.key_id, receipt.statement, receipt.signature)


def receipt_line(signed: SignedFile) -> str:
    """The receipt as one JSON line (base64 bytes), the form `carbon-hub receipt verify` reads."""
    return json.dumps(
        {
            "key_id": signed.key_id,
            "statement": base64.b64encode(signed.statement).decode("ascii"),
            "signature": base64.b64encode(signed.signature).decode("ascii"),
        },
        sort_keys=True,
    )
