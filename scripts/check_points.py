"""Are the points in a ledger exactly the rule applied to every credited claim?

    .venv/bin/python scripts/check_points.py --database-url sqlite:///D/hub.db

Recomputes, from the claims alone and standards/points.yaml, the points every
credited personal claim earns (capped per person, methodology and Shenzhen
day in the order received) and compares them claim by claim with the AWARD
entries, and the balances with the entries
(carbonhub_tools.bench.points_check); and that no person's expiry bound
(points_balances.next_expiry, which the expiry sweep reads) is later than an
open award's expiry (hub.storage.points_expiry_bounds). Prints one JSON object;
exit 0 when exact, 1 when anything differs (the first differences are named),
2 when the ledger is not at this hub's schema (it reads the newest tables and
column forms: upgrade the ledger first, with any command of this hub that
opens it).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from carbonhub_tools.bench.points_check import check_points
from hub.standard import default_standards_dir, load_standard
from hub.standard.points import load_points_rules
from hub.storage.database import alembic_config, create_engine_for
from hub.storage.points_expiry_bounds import late_expiry_bounds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="the hub's ledger")
    parser.add_argument("--standards-dir", type=Path, default=None)
    args = parser.parse_args()
    root = args.standards_dir or default_standards_dir()
    rules = load_points_rules(root, load_standard(root))
    engine = create_engine_for(args.database_url)
    try:
        with engine.connect() as connection:
            stored = MigrationContext.configure(connection).get_current_revision()
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        if stored != head:
            print(
                json.dumps(
                    {
                        "message": f"the ledger is at schema {stored or 'none'}, this"
                        f" script reads {head}: upgrade it first",
                        "ledger_revision": stored,
                        "head_revision": head,
                    },
                    sort_keys=True,
                )
            )
            sys.exit(2)
        report = check_points(engine, rules)
        with engine.connect() as connection:
            late = late_expiry_bounds(connection)
    finally:
        engine.dispose()
    exact = report.exact and not late
    shown = report.as_json()
    shown["exact"] = exact
    shown["expiry_bounds_late"] = {"count": len(late), "first": late[:20]}
    print(json.dumps(shown, sort_keys=True))
    sys.exit(0 if exact else 1)


if __name__ == "__main__":
    main()
