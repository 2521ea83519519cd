"""`carbon-hub bench ingest` of an earlier commit and of this tree, side by side in one run.

    .venv/bin/python scripts/bench_ab.py --base f324004 -- --claims 20000
    .venv/bin/python scripts/bench_ab.py --without-points -- --claims 20000 --personal-only
    .venv/bin/python scripts/bench_ab.py --without-points --without-lock -- \\
        --claims 20000 --personal-only
    .venv/bin/python scripts/bench_ab.py --base f324004 --pairs 3 -- --claims 40000 \\
        --database-url postgresql://postgres@127.0.0.1:5432/test

A is the tree of ``--base`` (``git archive`` into a temporary folder, so the
checkout and its git state are not touched), B this tree. Both run with this
venv's interpreter and packages, PYTHONPATH pointing at their own tree and its
proto/ (the hub process the bench starts inherits it), with the identical bench options
given after ``--`` (give only options both trees know). With
``--without-points`` A is this tree too, its hub and bench reading a copy of
standards/ without points.yaml (HUB_STANDARDS_DIR): no exchange rule, so no
awards. ``--without-lock`` (alone or with ``--without-points``) takes
``mobility: true`` off every methodology in A's copy: no cross-mode person
travel lock, no daily mobility total and no travel rows (each methodology's
own person-period lock stays). Issue 14 compares "points and the cross-mode
lock on" with both off: ``--without-points --without-lock``. The runs
alternate A B A B so that a busy spell of a shared machine falls on both.
The script exits 1 when the decisions (ACCEPTED, REJECTED, HELD counts)
differ between runs; codes on refused claims are printed per run when they
differ (a later tree may add a warning the base does not know). Without the
lock, a stream with overlapping timed trips or a person's implausible day
would be decided differently; the bench's personal stream has neither (daily
aggregates, at most 105 passenger-km a person and day), so the same decisions
say that A and B did the same work but for points and the lock.

Printed per run and as medians: claims/s end to end, and the hub process's
CPU per claim (its CPU time over the streaming, from /proc, divided by the
claims): the figure least moved by other work on the machine. The ratio
B / A of the medians closes the report; the last line is one JSON object.

``--instructions N1,N2`` counts instead of timing: each side's hub process
runs under valgrind's callgrind (``bench ingest --hub-under``) once with N1
and once with N2 claims (give ``--people`` after ``--`` so that both runs
spread over the same persons), and its instructions per claim are the
difference of the two totals over N2 - N1: start-up, migrations and
shutdown fall out, and a shared machine's other work cannot move the
figure. The four runs go two at a time (each about 30 claims/s).

    .venv/bin/python scripts/bench_ab.py --without-points --without-lock \
        --instructions 2000,6000 -- --personal-only --people 222 --baseline-claims 100
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _export(commit: str, into: Path) -> str:
    """The tree of ``commit`` in ``into``; its full id."""
    full = subprocess.run(
        ["git", "rev-parse", "--verify", f"{commit}^{{commit}}"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    archive = subprocess.run(["git", "archive", full], cwd=ROOT, check=True, capture_output=True)
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    return full


def standards_without(into: Path, *, points: bool, lock: bool) -> Path:
    """A copy of this tree's standards without the exchange rules (``points``)
    and without the mobility flag of every methodology (``lock``: no
    cross-mode travel lock, no daily mobility total, no travel rows)."""
    standards = into / "standards-without"
    shutil.copytree(ROOT / "standards", standards)
    if points:
        (standards / "points.yaml").unlink()
    if lock:
        methodologies = standards / "methodologies.yaml"
        lines = methodologies.read_text(encoding="utf-8").splitlines(keepends=True)
        kept = [line for line in lines if line.strip() != "mobility: true"]
        if len(kept) == len(lines):
            raise SystemExit("no `mobility: true` in standards/methodologies.yaml to take off")
        methodologies.write_text("".join(kept), encoding="utf-8")
    return standards


def _run(tree: Path, bench_args: list[str], log: Path, env_extra: dict[str, str]) -> dict[str, Any]:
    """One `carbon-hub bench ingest` of ``tree``; its JSON figures."""
    # The tree and its contract package (proto/): the venv's editable installs
    # point at the checkout, which may hold others' work in progress.
    path = os.pathsep.join((str(tree), str(tree / "proto")))
    env = {**os.environ, "PYTHONPATH": path, **env_extra}
    command = [sys.executable, "-c", "from hub.cli.app import main; main()", "bench", "ingest"]
    with log.open("w") as stderr:
        done = subprocess.run(
            [*command, *bench_args],
            cwd=tree,
            env=env,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        # The folder holding the log goes with the exported tree: say its end here.
        tail = "".join(log.read_text(errors="replace").splitlines(keepends=True)[-20:])
        raise SystemExit(f"the bench of {tree} failed (exit {done.returncode}):\n{tail}")
    figures: dict[str, Any] = json.loads(lines[-1])
    return figures


# Hash randomisation off and OpenBLAS's idle thread gone (numpy is loaded at
# start-up; its spinning thread moved a count by millions of instructions).
# Audit checkpoints only as the hub starts and stops: a tick every minute
# made the count depend on how long the slowed-down run lasted (two runs of
# one tree differed by 213 k instructions a claim) and raced the batches for
# SQLite's write lock; at the stop the one checkpoint still checks and
# integrates every event of the run.
COUNTING_ENV = {
    "PYTHONHASHSEED": "0",
    "OPENBLAS_NUM_THREADS": "1",
    "HUB_AUDIT_CHECKPOINT_INTERVAL": "86400",
}


def callgrind_total(out_file: Path) -> int:
    """The instructions callgrind counted in a process (its ``totals:`` line)."""
    if not out_file.exists():
        raise SystemExit(f"callgrind wrote no {out_file}: the hub did not exit by itself")
    for line in out_file.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("totals:"):
            return int(line.split()[1])
    raise SystemExit(f"no totals in {out_file}")


def count_instructions(
    trees: dict[str, Path],
    envs: dict[str, dict[str, str]],
    bench_args: list[str],
    sizes: tuple[int, int],
    folder: Path,
) -> dict[str, Any]:
    """Per side, the hub's instructions per claim between two runs of
    ``sizes`` claims; the runs' figures for their decisions."""

    def one(side: str, claims: int) -> tuple[str, int, int, dict[str, Any]]:
        out = folder / f"callgrind.{side}.{claims}"
        # A file left by an earlier run in a --keep folder must not be read
        # as this run's when this hub is killed before callgrind writes.
        out.unlink(missing_ok=True)
        under = shlex.join(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"])
        args = [*bench_args, "--claims", str(claims), "--hub-under", under]
        log = folder / f"{side}{claims}.log"
        figures = _run(trees[side], args, log, {**envs[side], **COUNTING_ENV})
        return side, claims, callgrind_total(out), figures

    jobs = [(side, claims) for claims in sizes for side in ("A", "B")]
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = list(pool.map(lambda job: one(*job), jobs))
    totals = {(side, claims): total for side, claims, total, _ in done}
    per_claim = {
        side: (totals[(side, sizes[1])] - totals[(side, sizes[0])]) / (sizes[1] - sizes[0])
        for side in ("A", "B")
    }
    return {
        "sizes": list(sizes),
        "totals": {f"{side}{claims}": total for (side, claims), total in totals.items()},
        "instructions_per_claim": per_claim,
        "instructions_ratio_b_over_a": round(per_claim["B"] / per_claim["A"], 4),
        "runs": [(side, claims, figures) for side, claims, _, figures in done],
    }


def hub_cpu_us_per_claim(figures: dict[str, Any]) -> float | None:
    """The hub's CPU over every segment, per claim answered."""
    segments = figures.get("segments") or []
    cpu = [s.get("hub_cpu_seconds") for s in segments]
    if not segments or any(c is None for c in cpu):
        return None
    claims = sum(int(s["claims"]) for s in segments)
    return 1e6 * sum(float(c) for c in cpu if c is not None) / claims if claims else None


def decisions_of(figures: dict[str, Any]) -> dict[str, Any]:
    return {
        "decisions": figures.get("decisions"),
        "rejections": figures.get("rejections"),
        "holds": figures.get("holds"),
    }


def summary(runs: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """Medians per side and the ratios B / A."""
    sides: dict[str, dict[str, float | None]] = {}
    for side in ("A", "B"):
        mine = [f for s, f in runs if s == side]
        rates = [float(f["claims_per_second"]) for f in mine]
        cpus = [c for c in (hub_cpu_us_per_claim(f) for f in mine) if c is not None]
        sides[side] = {
            "claims_per_second": statistics.median(rates) if rates else None,
            "hub_cpu_us_per_claim": statistics.median(cpus) if cpus else None,
        }
    a, b = sides["A"], sides["B"]
    rate_a, rate_b = a["claims_per_second"], b["claims_per_second"]
    cpu_a, cpu_b = a["hub_cpu_us_per_claim"], b["hub_cpu_us_per_claim"]
    return {
        "A": a,
        "B": b,
        "rate_ratio_b_over_a": round(rate_b / rate_a, 3) if rate_a and rate_b else None,
        "cpu_ratio_b_over_a": round(cpu_b / cpu_a, 3) if cpu_a and cpu_b else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    side_a = parser.add_mutually_exclusive_group()
    side_a.add_argument("--base", help="the commit to compare with (A)")
    side_a.add_argument(
        "--without-points", action="store_true", help="A: this tree without points.yaml"
    )
    parser.add_argument(
        "--without-lock",
        action="store_true",
        help="A: this tree without the cross-mode travel lock and daily mobility total",
    )
    parser.add_argument("--pairs", type=int, default=2, help="A B pairs to run (default 2)")
    parser.add_argument(
        "--instructions",
        metavar="N1,N2",
        help="count the hub's instructions per claim between runs of N1 and N2 claims",
    )
    parser.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="with --instructions: keep the callgrind files and logs in DIR "
        "(callgrind_annotate reads them)",
    )
    parser.add_argument("bench_args", nargs="*", help="after --: options of bench ingest")
    args = parser.parse_args()
    sizes: tuple[int, int] | None = None
    if args.instructions:
        first, _, second = args.instructions.partition(",")
        if not (first.isdigit() and second.isdigit() and 0 < int(first) < int(second)):
            parser.error("--instructions is N1,N2 with 0 < N1 < N2")
        given = {a.split("=", 1)[0] for a in args.bench_args}
        if given & {"--claims", "--hub-under"}:
            parser.error("--instructions sets --claims and --hub-under itself")
        if "--hubs" in given:
            # Each hub would need its own callgrind file; one hub is what is compared.
            parser.error("--instructions counts one hub process: leave --hubs out")
        sizes = (int(first), int(second))
    if args.without_lock and args.base:
        parser.error("--without-lock takes this tree as A, not --base")
    if not (args.base or args.without_points or args.without_lock):
        parser.error("A is --base COMMIT, --without-points or --without-lock")
    if args.pairs < 1:
        parser.error("--pairs is at least 1")

    folder = Path(tempfile.mkdtemp(prefix="bench-ab-"))
    try:
        envs: dict[str, dict[str, str]] = {"A": {}, "B": {}}
        if args.base:
            base = folder / "base"
            base.mkdir()
            commit = _export(args.base, base)
            trees = {"A": base, "B": ROOT}
            print(f"A = {commit[:12]} (exported to {base}), B = this tree ({ROOT})", flush=True)
        else:
            off = [
                name
                for name, on in (("points", args.without_points), ("lock", args.without_lock))
                if on
            ]
            commit = "without-" + "-".join(off)
            trees = {"A": ROOT, "B": ROOT}
            copy = standards_without(folder, points=args.without_points, lock=args.without_lock)
            envs["A"] = {"HUB_STANDARDS_DIR": str(copy)}
            what = " and ".join(
                text
                for text, on in (
                    ("points.yaml", args.without_points),
                    ("the mobility lock and daily total", args.without_lock),
                )
                if on
            )
            print(f"A = this tree without {what}, B = this tree ({ROOT})", flush=True)
        print(f"bench ingest {' '.join(args.bench_args)}", flush=True)
        if sizes is not None:
            counts = folder / "counts"
            if args.keep is not None:
                counts = args.keep.resolve()
            counts.mkdir(parents=True, exist_ok=True)
            counted = count_instructions(trees, envs, args.bench_args, sizes, counts)
            report_instructions(counted, commit, args.bench_args)
            return
        runs: list[tuple[str, dict[str, Any]]] = []
        for pair in range(args.pairs):
            for side in ("A", "B"):
                log = folder / f"{side}{pair + 1}.log"
                figures = _run(trees[side], args.bench_args, log, envs[side])
                runs.append((side, figures))
                cpu = hub_cpu_us_per_claim(figures)
                print(
                    f"{side}: {figures['claims_per_second']:>9,.0f} claims/s  "
                    f"hub CPU {'n/a' if cpu is None else f'{cpu:,.1f}'} us/claim  "
                    f"p50 {figures['latency_p50_ms']} ms  "
                    f"hub RSS {figures['hub_peak_rss_mb']} MB",
                    flush=True,
                )
        outcome = summary(runs)
        same = len({json.dumps(f.get("decisions"), sort_keys=True) for _, f in runs}) == 1
        codes = {json.dumps(decisions_of(f), sort_keys=True) for _, f in runs}
        if same and len(codes) == 1:
            print(f"decisions, the same in every run: {codes.pop()}")
        else:
            for side, figures in runs:
                print(f"decisions of {side}: {json.dumps(decisions_of(figures), sort_keys=True)}")
            print(f"decisions {'the same' if same else 'DIFFER'} in every run")
        for side in ("A", "B"):
            med = outcome[side]
            cpu = med["hub_cpu_us_per_claim"]
            print(
                f"median {side}: {med['claims_per_second']:,.0f} claims/s, hub CPU "
                f"{'n/a' if cpu is None else f'{cpu:,.1f}'} us/claim"
            )
        print(
            f"B / A: claims/s {outcome['rate_ratio_b_over_a']}, "
            f"hub CPU per claim {outcome['cpu_ratio_b_over_a']}"
        )
        print(
            json.dumps(
                {
                    "base": commit,
                    "bench_args": args.bench_args,
                    "runs": [
                        {
                            "side": side,
                            "claims_per_second": f["claims_per_second"],
                            "hub_cpu_us_per_claim": hub_cpu_us_per_claim(f),
                            "segments": f["segments"],
                        }
                        for side, f in runs
                    ],
                    "same_decisions": same,
                    **outcome,
                },
                sort_keys=True,
            )
        )
        if not same:
            raise SystemExit(1)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def report_instructions(counted: dict[str, Any], commit: str, bench_args: list[str]) -> None:
    by_size: dict[int, set[str]] = {}
    for side, claims, figures in counted["runs"]:
        decided = json.dumps(decisions_of(figures), sort_keys=True)
        by_size.setdefault(claims, set()).add(decided)
        print(f"{side} {claims:,} claims: {decided}")
    same = all(len(decided) == 1 for decided in by_size.values())
    print(f"decisions {'the same on both sides' if same else 'DIFFER'} at each size")
    per_claim = counted["instructions_per_claim"]
    for side in ("A", "B"):
        print(f"{side}: {per_claim[side] / 1000:,.1f} k instructions a claim (hub process)")
    print(f"B / A instructions per claim: {counted['instructions_ratio_b_over_a']}")
    print(
        json.dumps(
            {
                "base": commit,
                "bench_args": bench_args,
                "sizes": counted["sizes"],
                "totals": counted["totals"],
                "instructions_per_claim": per_claim,
                "instructions_ratio_b_over_a": counted["instructions_ratio_b_over_a"],
                "same_decisions": same,
            },
            sort_keys=True,
        )
    )
    if not same:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
