"""In-process ingestion cost against ledger size (docs/ingestion-profile.md).

    .venv/bin/python scripts/measure_ledger_growth.py --claims 600000 --step 100000
    .venv/bin/python scripts/measure_ledger_growth.py --claims 100000 --step 20000 \\
        --database-url "postgresql://postgres@127.0.0.1:5432/test?options=-csearch_path%3Dgrowth,public"

Records ``--claims`` distinct valid daily aggregates (the bench's preload
claims) through the IngestionService in envelopes of ``--envelope`` on a
fresh database, and prints per ``--step`` claims the wall-clock rate and
this process's CPU per claim (which includes SQLite's own work; on
PostgreSQL the server's work is in the wall-clock rate only). No gRPC, no
signatures: what remains is the service and the storage, the part whose
cost can grow with the ledger. A PostgreSQL URL must put an empty schema
first on the search path; the script does not drop it.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from carbonhub_tools.bench.ingest import record_preload
from hub.bootstrap import build_hub
from hub.services.clock import system_clock
from hub.services.ingestion import IngestionService
from hub.settings import HubSettings
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=300_000)
    parser.add_argument("--step", type=int, default=50_000)
    parser.add_argument("--envelope", type=int, default=5000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="ledger-growth-"))
    url = args.database_url or f"sqlite:///{folder / 'hub.db'}"
    hub = build_hub(HubSettings(database_url=url, data_dir=folder))
    try:
        ingestion = IngestionService(
            SqlAlchemyUnitOfWorkFactory(hub.engine), hub.standard, system_clock
        )
        print(f"{'ledger':>10} {'claims/s':>9} {'CPU us/claim':>13}", flush=True)
        last = {"done": 0, "wall": time.perf_counter(), "cpu": time.process_time()}

        def report(done: int) -> None:
            if done % args.step and done != args.claims:
                return
            wall, cpu = time.perf_counter(), time.process_time()
            claims = done - last["done"]
            print(
                f"{done:>10,} {claims / (wall - last['wall']):>9,.0f} "
                f"{1e6 * (cpu - last['cpu']) / claims:>13.1f}",
                flush=True,
            )
            last.update(done=done, wall=wall, cpu=cpu)

        record_preload(ingestion, args.claims, batch=args.envelope, after_batch=report)
    finally:
        hub.close()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
