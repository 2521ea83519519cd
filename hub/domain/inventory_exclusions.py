"""Inventory exclusions: what Hong Kong and Macao attest so a reduction is counted once.

The mainland, Hong Kong and Macao are one Party under the Paris Agreement, so
a reduction moving between them needs no corresponding adjustment between
Parties; what stops double claiming is the origin excluding the reduction
from its own greenhouse-gas inventory (清单排除 / 清單排除 / inventory
exclusion). The wire keeps the names ``AccountingAdjustmentAttestation`` and
``AdjustmentStatus`` (a rename would break partners).

The rules, pure:

* states PENDING → COMMITTED → COMPLETED, and any of them → REVOKED (terminal);
* an attestation of COMMITTED or COMPLETED names the quantity (tCO2e) and the
  vintage it covers: it must cover every unit issued under its reference, of
  that one vintage;
* blocks issued later beyond the terms last stated wait (not retirable)
  until the origin restates them: the same status with larger terms;
* a COMMITTED exclusion must be COMPLETED within the days the partner's
  agreement gives (``inventory_exclusion_completion_days``); past the
  deadline, and once REVOKED, the blocks under the reference are frozen: not
  routable, not retirable (a block already retired stays retired and is
  reported).
* a claim naming a REVOKED exclusion is never issued: a new one is rejected
  (``revoked_claim_check``), and so is one waiting for issuance when the
  revocation arrives or when the issuer meets it; REVOKED is terminal, so
  nothing could ever release a held one;
* the issuer asks the deadline sweep's question (``withheld``) before it
  offers a new block to the exchange: a block issued under an exclusion past
  its deadline, or beyond its terms, is issued frozen, never ready.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from carbonhub_contract.vocabulary.records import AdjustmentStatus
from hub.domain.attestations import AdjustmentAttestation
from hub.domain.blocks import adjustment_may_move
from hub.domain.checks import CheckResult, fire
from hub.domain.claim_assessment import ClaimAssessment

# What a partner may attest; PENDING is the hub's own state for a reference
# nobody has attested yet, NOT_REQUIRED the state of domestic blocks.
ATTESTABLE = frozenset(
    {AdjustmentStatus.COMMITTED, AdjustmentStatus.COMPLETED, AdjustmentStatus.REVOKED}
)
# Statuses whose attestation must say what it covers: a revocation withdraws
# the whole reference, whatever it covered.
COVERING = frozenset({AdjustmentStatus.COMMITTED, AdjustmentStatus.COMPLETED})


REVOKED_CLAIM_CHECK = "CLAIM_INVENTORY_EXCLUSION_REVOKED"


class Freeze(StrEnum):
    """Why the blocks under a reference may not move."""

    REVOKED = "REVOKED"  # the origin withdrew the exclusion
    OVERDUE = "OVERDUE"  # committed, not completed within the agreement's days


class Withheld(StrEnum):
    """Why blocks under a routable reference may not be offered now."""

    OVERDUE = "OVERDUE"  # committed, not completed within the agreement's days
    OUTGROWN = "OUTGROWN"  # more issued under it than it last stated


@dataclass(frozen=True, slots=True)
class Coverage:
    """The units issued under a reference, as the blocks show them."""

    units: int  # live units (issued, delivered, retired or cancelled)
    vintages: frozenset[int]


def check_status(
    reference: str, current: AdjustmentStatus | None, status: AdjustmentStatus
) -> CheckResult | None:
    """None when a partner may attest ``status`` over ``current``."""
    if status not in ATTESTABLE:
        return fire("ADJUSTMENT_STATUS_INVALID", status=str(status), field="status")
    if current is not None and not adjustment_may_move(current, status):
        code = (
            "INVENTORY_EXCLUSION_REVOKED"
            if current is AdjustmentStatus.REVOKED
            else "ADJUSTMENT_STATUS_BACKWARDS"
        )
        return fire(code, reference=reference, current=str(current), status=str(status))
    return None


def check_coverage(
    reference: str,
    status: AdjustmentStatus,
    quantity: Decimal | None,
    vintage: int | None,
    issued: Coverage,
) -> list[CheckResult]:
    """What is wrong with the quantity and vintage an attestation covers.

    Either both are given or neither (an attestation from before they
    existed on the wire); given, the quantity must be at least the units
    issued under the reference and every one of its blocks of that vintage.
    """
    if status not in COVERING:
        return []
    checks: list[CheckResult] = []
    if (quantity is None) != (vintage is None):
        missing = "quantity" if quantity is None else "vintage"
        return [fire("INVENTORY_EXCLUSION_TERMS_INCOMPLETE", reference=reference, field=missing)]
    if quantity is None or vintage is None:
        return []
    # A quantity of nothing covers nothing, even before any block is issued.
    if quantity <= 0 or quantity < issued.units:
        checks.append(
            fire(
                "INVENTORY_EXCLUSION_QUANTITY_SHORT",
                reference=reference,
                quantity=quantity,
                issued=issued.units,
                field="quantity",
            )
        )
    others = sorted(issued.vintages - {vintage})
    if others:
        checks.append(
            fire(
                "INVENTORY_EXCLUSION_VINTAGE_MISMATCH",
                reference=reference,
                vintage=vintage,
                issued=",".join(str(v) for v in others),
                field="vintage",
            )
        )
    return checks


def committed_at(history: Sequence[AdjustmentAttestation]) -> datetime | None:
    """When the reference was first committed (the history in append order)."""
    return next(
        (a.attested_at for a in history if a.status is AdjustmentStatus.COMMITTED),
        None,
    )


def completion_due(history: Sequence[AdjustmentAttestation], days: int | None) -> datetime | None:
    """The deadline to COMPLETED; None when no deadline applies."""
    start = committed_at(history)
    if start is None or days is None:
        return None
    return start + timedelta(days=days)


def freeze_of(
    history: Sequence[AdjustmentAttestation], days: int | None, now: datetime
) -> Freeze | None:
    """Why the blocks under this reference are frozen now, if they are."""
    if not history:
        return None
    latest = history[-1].status
    if latest is AdjustmentStatus.REVOKED:
        return Freeze.REVOKED
    if latest is AdjustmentStatus.COMMITTED:
        due = completion_due(history, days)
        if due is not None and now > due:
            return Freeze.OVERDUE
    return None


def stated_terms(history: Sequence[AdjustmentAttestation]) -> tuple[Decimal, int] | None:
    """The quantity and vintage of the latest attestation that stated them."""
    for attestation in reversed(history):
        if attestation.quantity is not None and attestation.vintage is not None:
            return attestation.quantity, attestation.vintage
    return None


def outgrown(history: Sequence[AdjustmentAttestation], issued: Coverage) -> bool:
    """True when units were issued under the reference beyond what its
    exclusion last stated (more tonnes, or another vintage): those blocks
    wait until the origin states terms that cover them."""
    terms = stated_terms(history)
    if terms is None:
        return False
    quantity, vintage = terms
    return quantity < issued.units or bool(issued.vintages - {vintage})


def same_terms(
    history: Sequence[AdjustmentAttestation], quantity: Decimal | None, vintage: int | None
) -> bool:
    """An attestation of the status the reference already has is a replay
    unless it states other terms (a restatement, e.g. a larger quantity)."""
    if quantity is None and vintage is None:
        return True
    return stated_terms(history) == (quantity, vintage)


def coverage_of(units_and_vintages: Iterable[tuple[int, int]]) -> Coverage:
    """Coverage from (units, vintage) of each live block under a reference."""
    units = 0
    vintages: set[int] = set()
    for block_units, block_vintage in units_and_vintages:
        units += block_units
        vintages.add(block_vintage)
    return Coverage(units, frozenset(vintages))


def withheld(
    history: Sequence[AdjustmentAttestation], days: int | None, now: datetime, issued: Coverage
) -> Withheld | None:
    """Why the blocks under a COMMITTED or COMPLETED reference may not be offered
    to the exchange now (``issued``: the live blocks under it, including any
    about to be issued): the question the deadline sweep and the issuer both ask."""
    if freeze_of(history, days, now) is Freeze.OVERDUE:
        return Withheld.OVERDUE
    if outgrown(history, issued):
        return Withheld.OUTGROWN
    return None


def revoked_claim_check(reference: str) -> CheckResult:
    """The check that rejects a claim naming the revoked exclusion ``reference``."""
    return fire(REVOKED_CLAIM_CHECK, reference=reference, field="adjustment_ref")


def claim_refusal(reference: str | None, status: AdjustmentStatus | None) -> CheckResult | None:
    """The check rejecting a claim under ``reference`` whose exclusion is
    ``status`` (None: never attested): only a revoked one refuses it."""
    if reference is None or status is not AdjustmentStatus.REVOKED:
        return None
    return revoked_claim_check(reference)


def with_exclusion(
    assessment: ClaimAssessment,
    reference: str | None,
    statuses: Mapping[str, AdjustmentStatus],
) -> ClaimAssessment:
    """A new claim naming a revoked inventory exclusion (``statuses``: the
    attested status of each reference its batch names) is rejected, whatever
    its other checks say."""
    ref = (reference or "").strip() or None
    check = claim_refusal(ref, statuses.get(ref) if ref else None)
    if check is None:
        return assessment
    return replace(assessment, checks=(*assessment.checks, check))
