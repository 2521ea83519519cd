"""In-process cost of personal claims (points and travel on) against each person's history.

    .venv/bin/python scripts/measure_personal_ingestion.py --claims 30000 --people 222
    PYTHONPATH=/tmp/base .venv/bin/python scripts/measure_personal_ingestion.py ...
    .venv/bin/python scripts/measure_personal_ingestion.py --claims 5000 --without-points \\
        --without-lock

Records the bench's personal-only stream (carbonhub_tools.bench.claims.ClaimStream: daily
bus, metro and bike aggregates of ``--people`` persons, with the bench's
resubmissions and changed records) through the hub's IngestionService, with
the exchange rules of standards/points.yaml, in envelopes of 1,000 on a fresh
SQLite file. Few people means a long history each: the cost of anything that
reads a person's history grows from one fifth to the next. Prints this
process's CPU per claim per fifth, then the decisions and codes and the
points awarded (which must not change when only speed does). ``--profile
FILE`` writes a cProfile of the submits. ``--without-points`` and
``--without-lock`` read a copy of standards/ without points.yaml, resp.
without the methodologies' mobility flag (no cross-mode travel lock, daily
mobility total or travel rows): bench_ab.py's side A, in process. The
garbage collector is tuned as `serve` tunes it (``--gc-young``, 0: Python's
defaults), so that collections of the batches' objects weigh as they do there.
"""

from __future__ import annotations

import argparse
import cProfile
import shutil
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench_ab import standards_without
from sqlalchemy import text

from carbonhub_tools.bench.claims import ClaimStream
from hub.bootstrap import build_hub
from hub.serving.gc_tuning import tune_for_serving
from hub.settings import HubSettings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=30_000)
    parser.add_argument("--people", type=int, default=222)
    parser.add_argument("--profile", type=Path, default=None)
    parser.add_argument("--without-points", action="store_true", help="no points.yaml")
    parser.add_argument("--without-lock", action="store_true", help="no mobility flag")
    parser.add_argument("--gc-young", type=int, default=HubSettings().gc_young_threshold)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="personal-ingestion-"))
    standards = (
        standards_without(folder, points=args.without_points, lock=args.without_lock)
        if args.without_points or args.without_lock
        else None
    )
    hub = build_hub(
        HubSettings(
            database_url=f"sqlite:///{folder}/hub.db", data_dir=folder, standards_dir=standards
        )
    )
    tune_for_serving(args.gc_young)
    try:
        stream = ClaimStream(args.claims, personal_only=True, people=args.people)
        claims = [c.submission for c in stream]
        codes: Counter[str] = Counter()
        profile = cProfile.Profile() if args.profile else None
        fifth = max(1, args.claims // 5)
        cpu, done, last, mark = time.process_time(), 0, 0, fifth
        print(f"{'claims':>8} {'CPU us/claim':>13}", flush=True)
        for start in range(0, len(claims), 1000):
            batch = claims[start : start + 1000]
            if profile:
                profile.enable()
            verdicts = hub.ingestion.submit("CN-GD", batch)
            if profile:
                profile.disable()
            for verdict in verdicts:
                codes[str(verdict.decision)] += 1
                codes.update(check.code for check in verdict.checks)
            done += len(batch)
            if done >= mark or done == len(claims):
                now = time.process_time()
                print(f"{done:>8,} {1e6 * (now - cpu) / (done - last):>13.1f}", flush=True)
                cpu, last, mark = now, done, done + fifth
        print(dict(sorted(codes.items())))
        with hub.engine.connect() as connection:
            awards, points = connection.execute(
                text("SELECT count(*), sum(points) FROM points_entries WHERE kind = 'AWARD'")
            ).one()
        print(f"awards {awards:,}, points {points or 0:,}")
        if profile and args.profile:
            profile.dump_stats(args.profile)
    finally:
        hub.close()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
