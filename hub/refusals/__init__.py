"""The one catalogue of every reason the hub refuses a request with.

Each reason's code is what a client keys on: google.rpc.ErrorInfo.reason
over gRPC (domain ``carbonhub.v1``), the body's ``code`` over HTTP. Its
ErrorKind fixes the gRPC and HTTP status through the transports' mappings.
docs/refusals.md is generated from here (scripts/write_refusals_doc.py),
and tests/unit/test_refusal_catalogue.py fails when a code raised in hub/
is missing here, or a code here is raised nowhere.

Not here: the check codes of claim verdicts (hub.domain.checks, with
docs/checks.md), which are answers, not refusals; and the problem codes the
adapters report about a partner's files (adapters/problem_codes.py). A
retirement refused by an offset rule carries one of the check codes of the
Retirements section of docs/checks.md as its reason.
"""

from __future__ import annotations

from hub.refusals import calls, certificates, ledger, local, operations, signed, transparency, web
from hub.refusals.reason import Reason, Section

SECTIONS: tuple[Section, ...] = (
    calls.SECTION,
    signed.SECTION,
    ledger.SECTION,
    web.SECTION,
    transparency.SECTION,
    operations.SECTION,
    certificates.SECTION,
    local.SECTION,
)


def _catalogue() -> dict[str, Reason]:
    found: dict[str, Reason] = {}
    for section in SECTIONS:
        for reason in section.reasons:
            if reason.code in found:
                raise ValueError(f"{reason.code} is catalogued twice")
            found[reason.code] = reason
    return found


CATALOGUE: dict[str, Reason] = _catalogue()

__all__ = ["CATALOGUE", "SECTIONS", "Reason", "Section"]
