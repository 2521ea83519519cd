"""The serving hub's periodic issuer: issuance on every tick, the expiry sweep
for carbon points on its own, longer cadence (it reads every person's expiry
bound), the first on the first tick."""

from __future__ import annotations

from hub.services.issuance import IssuanceRun
from hub.services.periodic_issuer import PeriodicIssuer


class _Issuance:
    def __init__(self) -> None:
        self.runs = 0

    def void_overdue(self) -> list[str]:
        return []

    def issue_pending(self, limit: int | None = None) -> IssuanceRun:
        self.runs += 1
        return IssuanceRun()


class _Sweeps:
    def __init__(self, clock: list[float]) -> None:
        self.clock = clock
        self.at: list[float] = []

    def expire_due(self) -> int:
        self.at.append(self.clock[0])
        return 0


def _ticks(every: float, times: list[float]) -> tuple[int, list[float]]:
    clock = [0.0]
    issuance, sweeps = _Issuance(), _Sweeps(clock)
    issuer = PeriodicIssuer(
        issuance, 2.0, points=sweeps, points_every=every, monotonic=lambda: clock[0]
    )
    for at in times:
        clock[0] = at
        issuer.tick()
    return issuance.runs, sweeps.at


def test_points_expire_once_a_cadence_while_claims_issue_every_tick() -> None:
    ticks = [2.0 * n for n in range(100)]  # 0, 2, ..., 198 s
    runs, sweeps = _ticks(60.0, ticks)
    assert runs == 100
    assert sweeps == [0.0, 60.0, 120.0, 180.0]


def test_a_cadence_of_zero_sweeps_on_every_tick() -> None:
    ticks = [0.0, 2.0, 4.0]
    assert _ticks(0.0, ticks) == (3, ticks)
