"""The pure parts of the run cost: /proc stat fields, wait naming, the arithmetic."""

from __future__ import annotations

import os

import pytest

from carbonhub_tools.drills.cost import (
    ProcStat,
    RunCost,
    WaitTally,
    cost_ratio,
    parse_proc_stat,
    read_proc_stat,
    wait_target,
)

# proc(5): pid (comm) state ppid ... utime(14) stime(15) cutime(16) cstime(17) ... starttime(22)
STAT = (
    "2235 (postgres: 15/main) (x)) S 2233 2235 2235 0 -1 4194368 2416 0 0 0 "
    "110 17 900 800 20 0 1 0 3172 222584832 35325"
)


def test_proc_stat_counts_own_user_and_system_time_not_childrens() -> None:
    stat = parse_proc_stat(STAT)
    assert (stat.ppid, stat.utime, stat.stime, stat.starttime) == (2233, 110, 17, 3172)
    assert stat.cpu_seconds == pytest.approx(127 / os.sysconf("SC_CLK_TCK"))


def test_own_process_reads_its_cpu_and_parent() -> None:
    stat = read_proc_stat(os.getpid())
    assert stat is not None and stat.ppid == os.getppid()
    assert read_proc_stat(2**22 + 7) is None  # beyond pid_max: no such process


def test_wait_is_named_by_its_locks_table_then_by_its_statement() -> None:
    assert wait_target("bench_hub_ab12.audit_head", "SELECT ...") == "audit_head"
    assert wait_target("claims,audit_head", "") == "audit_head,claims"
    assert (
        wait_target(None, 'INSERT INTO "s"."claim_locks" (kind) VALUES (1)')
        == "claim_locks (statement)"
    )
    assert wait_target(None, "") == "unknown"
    # An advisory lock names no table; its statement's FROM is not the lock's.
    advisory = "SELECT count(pg_advisory_xact_lock(id)) FROM (SELECT id FROM unnest($1)) AS k"
    assert wait_target(None, advisory, "advisory") == "advisory lock"


def test_share_is_lock_waits_over_active_backend_samples() -> None:
    tally = WaitTally()
    assert tally.share is None
    for _ in range(97):
        tally.add("active", None, None)
    tally.add("active", "audit_head", "transactionid")
    tally.add("active", "audit_head", "tuple")
    tally.add("active", "claim_locks (statement)", "transactionid")
    tally.add("idle in transaction", None, None)  # holds, does not wait: not counted
    tally.add("idle", None, None)
    assert (tally.active, tally.lock_waits, tally.idle_in_transaction) == (100, 3, 1)
    assert tally.share == pytest.approx(0.03)
    assert tally.as_json()["lock_waits_by_table"] == {
        "audit_head": 2,
        "claim_locks (statement)": 1,
    }


def _cost(claims: int, hub: float, backends: float, background: float) -> RunCost:
    return RunCost(claims, 10.0, hub, backends, background, 3, WaitTally())


def test_cpu_per_claim_and_the_ratio_of_totals() -> None:
    one = _cost(10_000, hub=2.0, backends=1.0, background=0.5)  # 350 us a claim
    four = _cost(10_000, hub=2.6, backends=1.2, background=0.5)  # 430 us a claim
    figures = one.as_json()
    assert figures["hub_cpu_us_per_claim"] == 200.0
    assert figures["postgres_cpu_us_per_claim"] == 150.0
    assert figures["total_cpu_us_per_claim"] == 350.0
    assert cost_ratio(four, one) == pytest.approx(430 / 350)
    assert cost_ratio(four, _cost(0, 1.0, 1.0, 1.0)) is None
    assert "total 350 us" in one.line()


def test_proc_stat_of_an_unparsable_line_fails_loudly() -> None:
    with pytest.raises((ValueError, IndexError)):
        parse_proc_stat("12 (x) S")
    assert isinstance(parse_proc_stat(STAT), ProcStat)
