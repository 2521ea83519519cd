"""A claim's issuance at its origin: the serial block the partner issued, checked.

A partner that issues credits of its own names, for a claim it already
issued at the origin, the serial block it issued (in the format its
agreement names: hub.domain.origin_serials). The block must parse, belong to
the claim's project and hold as many whole units as the claim reports. Its
year should be one of the claim's vintages: the local calendar years its
monitoring period touches (one, or for a period spanning 31 December each
year of its parts, hub.domain.vintage_parts). A block of another year may
have been issued for another year's reduction,
which the hub cannot tell apart from this one's, so the claim is held for
the bureau (ORIGIN_SERIAL_YEAR_MISMATCH, REVIEW) rather than refused. A
claim issued at the origin then awaits cancellation there
(AWAITING_SOURCE_CANCELLATION), and one cancelled there for another use is
refused. The parsed block is what the claim's origin lock covers
(hub.domain.locks).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from math import floor

from carbonhub_contract.vocabulary.records import OriginStatus
from hub.domain.agreements import Agreement
from hub.domain.checks import CheckResult, fire
from hub.domain.locks import OriginBlock
from hub.domain.methodologies import Basis
from hub.domain.origin_serials import PARSERS, ParsedSerial, SerialError


@dataclass(frozen=True, slots=True)
class OriginFindings:
    checks: tuple[CheckResult, ...]
    block: OriginBlock | None  # the origin serial block, when given and valid


def origin_checks(
    serial: str | None,
    status: OriginStatus,
    project_id: str | None,
    agreement: Agreement | None,
    reported: Decimal | None,
    basis: Basis | None,
    vintage: int | None = None,
    part_years: Sequence[int] = (),
) -> OriginFindings:
    """The checks on a claim's origin serial and status (``serial`` and
    ``project_id`` stripped, None when blank; ``reported`` the claim's
    reported tCO2e when usable; ``vintage`` the year its period ends, None
    when the period cannot be read; ``part_years`` the local years its
    period touches, empty for ``vintage`` alone)."""
    checks: list[CheckResult] = []
    parsed: ParsedSerial | None = None
    if serial is not None:
        if status is OriginStatus.NOT_ISSUED:
            checks.append(fire("ORIGIN_SERIAL_UNEXPECTED", field="origin_serial", serial=serial))
        else:
            parser = PARSERS.get(agreement.origin_serial_format or "") if agreement else None
            if parser is None:
                checks.append(
                    fire(
                        "ORIGIN_SERIAL_MALFORMED",
                        field="origin_serial",
                        serial=serial,
                        reason="the partner's agreement names no origin serial format",
                    )
                )
            else:
                try:
                    parsed = parser(serial)
                except SerialError as exc:
                    checks.append(
                        fire(
                            "ORIGIN_SERIAL_MALFORMED",
                            field="origin_serial",
                            serial=serial,
                            reason=str(exc),
                        )
                    )
    if (
        parsed is not None
        and parsed.project_id != project_id
        and (basis is Basis.PROJECT or parsed.project_id)
    ):
        checks.append(
            fire(
                "ORIGIN_SERIAL_PROJECT_MISMATCH",
                field="origin_serial",
                serial=serial,
                project_id=project_id or "",
            )
        )
    years = tuple(part_years) or ((vintage,) if vintage is not None else ())
    if parsed is not None and years and parsed.year not in years:
        checks.append(
            fire(
                "ORIGIN_SERIAL_YEAR_MISMATCH",
                field="origin_serial",
                serial=serial,
                serial_year=parsed.year,
                vintage="/".join(str(year) for year in years),
            )
        )
    if status is OriginStatus.ISSUED:
        if serial is None:
            checks.append(fire("ORIGIN_ISSUED_WITHOUT_SERIAL", field="origin_serial"))
        elif parsed is not None:
            checks.append(fire("AWAITING_SOURCE_CANCELLATION", field="origin_status"))
            if reported is not None and parsed.block.units != floor(reported):
                checks.append(
                    fire(
                        "ORIGIN_SERIAL_QUANTITY_MISMATCH",
                        field="origin_serial",
                        units=parsed.block.units,
                        reported=reported,
                    )
                )
    elif status is OriginStatus.CANCELLED:
        checks.append(fire("ORIGIN_CANCELLED_ELSEWHERE", field="origin_status", serial=serial))
    return OriginFindings(checks=tuple(checks), block=parsed.block if parsed is not None else None)
