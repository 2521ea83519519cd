"""Reconciliation after the Kyoto ITL: totals, unit blocks, audit trail.

The hub and a counterpart (a partner registry or the exchange) each state
their *holdings* in one shape: a set of subjects (partner: its records;
exchange: its blocks), each with a state, vintage, quantity, a digest of
its content and an audit trail. Comparison runs in three phases:

1. totals per (state, vintage, platform): count and quantity, the hub's
   against the counterpart's stated totals, and the stated totals against
   what the counterpart's own holdings add up to (a partner's personal
   records per reporting platform: the totals behind each platform's pools;
   the platform is "" for everything else);
2. unit blocks: every subject present on both sides, once, with equal state,
   quantity, serial and digest;
3. audit trail: for every subject, the same trail entries on both sides.

Every difference is a Discrepancy naming the subject; the outcome is
CONSISTENT when there are none, INCONSISTENT otherwise. A bureau officer
resolving every discrepancy of an inconsistent reconciliation completes it
WITH_MANUAL_INTERVENTION. Blocks under an open discrepancy are frozen.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from carbonhub_contract.vocabulary.holdings import (
    Holding,
    Total,
    TotalKey,
    total_subject,
    totals_of,
)

EXCHANGE = "EXCHANGE"  # the counterpart name of the Shenzhen exchange


class ReconciliationStatus(StrEnum):
    REQUESTED = "REQUESTED"  # waiting for the counterpart's answer
    CONSISTENT = "CONSISTENT"
    INCONSISTENT = "INCONSISTENT"  # open discrepancies remain
    COMPLETED_WITH_MANUAL_INTERVENTION = "COMPLETED_WITH_MANUAL_INTERVENTION"


class Phase(StrEnum):
    TOTALS = "TOTALS"
    UNIT_BLOCKS = "UNIT_BLOCKS"
    AUDIT_TRAIL = "AUDIT_TRAIL"


class DiscrepancyKind(StrEnum):
    TOTAL_DIFFERS = "TOTAL_DIFFERS"  # phase 1: count or quantity of one (state, vintage)
    MISSING_AT_COUNTERPART = "MISSING_AT_COUNTERPART"  # the hub holds it, the counterpart not
    MISSING_AT_HUB = "MISSING_AT_HUB"  # the counterpart holds it, the hub not
    STATE_DIFFERS = "STATE_DIFFERS"
    QUANTITY_DIFFERS = "QUANTITY_DIFFERS"
    SERIAL_DIFFERS = "SERIAL_DIFFERS"
    CONTENT_DIFFERS = "CONTENT_DIFFERS"  # digests differ
    TRAIL_DIFFERS = "TRAIL_DIFFERS"  # phase 3: audit trail entries differ
    # Phase 1: the totals the counterpart stated disagree with its own holdings
    # (hub_value: what its holdings add up to; counterpart_value: what it stated).
    COUNTERPART_TOTALS_INCONSISTENT = "COUNTERPART_TOTALS_INCONSISTENT"
    # Phase 2: a subject listed more than once on one side (values: the counts);
    # which record is meant is ambiguous, so its aspects and trail are not compared.
    DUPLICATE_SUBJECT = "DUPLICATE_SUBJECT"
    # Phase 2: a record's reporting platform differs (it pools elsewhere).
    PLATFORM_DIFFERS = "PLATFORM_DIFFERS"
    # Phase 2: a record the hub issued as 未签发 (NOT_ISSUED) that the origin
    # now shows issued (hub.domain.origin_reissuance), one per Shenzhen block
    # issued from it (hub_value: the block's serial; counterpart_value: the
    # origin serial or state). Each freezes its block until resolved.
    ORIGIN_REISSUED = "ORIGIN_REISSUED"
    # A register list loaded after a claim was issued covers or lists its units
    # (hub.domain.register_claims), one per Shenzhen block issued from the
    # claim (subject: the record id; hub_value: the block's serial;
    # counterpart_value: the register check and the entry). Each freezes its
    # block until resolved.
    EXTERNAL_REGISTER = "EXTERNAL_REGISTER"


@dataclass(frozen=True, slots=True)
class Discrepancy:
    phase: Phase
    kind: DiscrepancyKind
    subject_id: str  # the subject, or "<state>/<vintage>" for a total
    hub_value: str
    counterpart_value: str


# --- comparison --------------------------------------------------------------

_PHASE_ORDER = {phase: i for i, phase in enumerate(Phase)}
_KIND_ORDER = {kind: i for i, kind in enumerate(DiscrepancyKind)}
_ZERO_TOTAL = (0, Decimal(0))


def compare(
    hub: Sequence[Holding],
    counterpart_totals: Sequence[Total],
    counterpart: Sequence[Holding],
) -> list[Discrepancy]:
    """Every difference between the hub's holdings and a counterpart's answer.

    Sorted by (phase, subject_id, kind), phases in the order TOTALS,
    UNIT_BLOCKS, AUDIT_TRAIL and kinds in DiscrepancyKind's order, so two
    runs over the same data report the same list. Quantities compare as
    numbers ("5" equals "5.000"); serials, states, digests and trails as text.
    """
    found = _totals_phase(hub, counterpart_totals, counterpart)
    hub_by_id = _by_subject(hub)
    cp_by_id = _by_subject(counterpart)
    found += _unit_blocks_phase(hub_by_id, cp_by_id)
    found += _audit_trail_phase(hub_by_id, cp_by_id)
    return sorted(found, key=lambda d: (_PHASE_ORDER[d.phase], d.subject_id, _KIND_ORDER[d.kind]))


def outcome(discrepancies: Sequence[Discrepancy]) -> ReconciliationStatus:
    """CONSISTENT when nothing differs, else INCONSISTENT."""
    return ReconciliationStatus.INCONSISTENT if discrepancies else ReconciliationStatus.CONSISTENT


def _summed(totals: Iterable[Total]) -> dict[TotalKey, tuple[int, Decimal]]:
    # A counterpart may state one (state, vintage, platform) twice; its rows
    # add up rather than the last silently replacing the first.
    sums: dict[TotalKey, tuple[int, Decimal]] = {}
    for t in totals:
        key = (t.state, t.vintage, t.platform)
        count, quantity = sums.get(key, _ZERO_TOTAL)
        sums[key] = (count + t.count, quantity + t.quantity)
    return sums


def _total_text(total: tuple[int, Decimal]) -> str:
    return f"count={total[0]};quantity={total[1]}"


def _total_differences(
    kind: DiscrepancyKind,
    ours: dict[TotalKey, tuple[int, Decimal]],
    theirs: dict[TotalKey, tuple[int, Decimal]],
) -> list[Discrepancy]:
    out: list[Discrepancy] = []
    for key in sorted(ours.keys() | theirs.keys()):
        mine, other = ours.get(key, _ZERO_TOTAL), theirs.get(key, _ZERO_TOTAL)
        # Tuple equality compares the Decimal quantities numerically.
        if mine != other:
            subject = total_subject(*key)
            out.append(
                Discrepancy(Phase.TOTALS, kind, subject, _total_text(mine), _total_text(other))
            )
    return out


def _totals_phase(
    hub: Sequence[Holding], counterpart_totals: Sequence[Total], counterpart: Sequence[Holding]
) -> list[Discrepancy]:
    stated = _summed(counterpart_totals)
    found = _total_differences(DiscrepancyKind.TOTAL_DIFFERS, _summed(totals_of(list(hub))), stated)
    # A counterpart whose stated totals do not add up from its own holdings is
    # reporting inconsistently, whatever the hub holds.
    found += _total_differences(
        DiscrepancyKind.COUNTERPART_TOTALS_INCONSISTENT,
        _summed(totals_of(list(counterpart))),
        stated,
    )
    return found


def _by_subject(holdings: Sequence[Holding]) -> dict[str, list[Holding]]:
    grouped: dict[str, list[Holding]] = {}
    for h in holdings:
        grouped.setdefault(h.subject_id, []).append(h)
    return grouped


def _aspects(hub: Holding, cp: Holding) -> list[Discrepancy]:
    pairs = (
        (DiscrepancyKind.STATE_DIFFERS, hub.state, cp.state, hub.state != cp.state),
        (
            DiscrepancyKind.QUANTITY_DIFFERS,
            str(hub.quantity),
            str(cp.quantity),
            hub.quantity != cp.quantity,
        ),
        (DiscrepancyKind.SERIAL_DIFFERS, hub.serial, cp.serial, hub.serial != cp.serial),
        (DiscrepancyKind.CONTENT_DIFFERS, hub.digest, cp.digest, hub.digest != cp.digest),
        (DiscrepancyKind.PLATFORM_DIFFERS, hub.platform, cp.platform, hub.platform != cp.platform),
    )
    return [
        Discrepancy(Phase.UNIT_BLOCKS, kind, hub.subject_id, ours, theirs)
        for kind, ours, theirs, differs in pairs
        if differs
    ]


def _unit_blocks_phase(
    hub: dict[str, list[Holding]], counterpart: dict[str, list[Holding]]
) -> list[Discrepancy]:
    out: list[Discrepancy] = []
    for subject in sorted(hub.keys() | counterpart.keys()):
        ours, theirs = hub.get(subject, []), counterpart.get(subject, [])
        if len(ours) > 1 or len(theirs) > 1:
            out.append(
                Discrepancy(
                    Phase.UNIT_BLOCKS,
                    DiscrepancyKind.DUPLICATE_SUBJECT,
                    subject,
                    str(len(ours)),
                    str(len(theirs)),
                )
            )
        elif not theirs:
            out.append(_missing(DiscrepancyKind.MISSING_AT_COUNTERPART, subject, ours[0].state, ""))
        elif not ours:
            out.append(_missing(DiscrepancyKind.MISSING_AT_HUB, subject, "", theirs[0].state))
        else:
            out += _aspects(ours[0], theirs[0])
    return out


def _missing(kind: DiscrepancyKind, subject: str, hub_value: str, cp_value: str) -> Discrepancy:
    # The side that holds the subject shows its state; the other side is empty.
    return Discrepancy(Phase.UNIT_BLOCKS, kind, subject, hub_value, cp_value)


def _audit_trail_phase(
    hub: dict[str, list[Holding]], counterpart: dict[str, list[Holding]]
) -> list[Discrepancy]:
    out: list[Discrepancy] = []
    for subject in sorted(hub.keys() & counterpart.keys()):
        ours, theirs = hub[subject], counterpart[subject]
        if len(ours) != 1 or len(theirs) != 1:
            continue  # reported as DUPLICATE_SUBJECT in phase 2
        if ours[0].trail != theirs[0].trail:
            out.append(
                Discrepancy(
                    Phase.AUDIT_TRAIL,
                    DiscrepancyKind.TRAIL_DIFFERS,
                    subject,
                    ",".join(sorted(ours[0].trail)),
                    ",".join(sorted(theirs[0].trail)),
                )
            )
    return out
