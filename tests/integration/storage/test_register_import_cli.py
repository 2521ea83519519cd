"""``carbon-hub registers import`` says what it re-examined: the claims
recorded before the list, rejected or held, and the issued ones reported
with the discrepancies that froze their blocks (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from hub.services.clock import system_clock
from hub.services.ingestion import IngestionService
from hub.services.issuance import IssuanceService
from hub.services.projects import ProjectRegistrationService
from hub.standard import default_standards_dir, load_standard
from hub.storage.database import create_engine_for
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from tests.unit.services.builders import PARTNER, PROJECT_ID, pv, pv_project

LISTING = (
    "entry_id,name,type,asset_id,period_start,period_end\n"
    f"GEC-2025-Q2,屋顶光伏 2025 年二季度绿证,光伏,{PROJECT_ID},2025-04,2025-06\n"
)


def _record(url: str) -> None:
    """April issued, June accepted and waiting for the issuer."""
    engine = create_engine_for(url)
    try:
        factory = SqlAlchemyUnitOfWorkFactory(engine)
        standard = load_standard(default_standards_dir())
        ProjectRegistrationService(factory, standard).register(PARTNER, [pv_project()])
        ingestion = IngestionService(factory, standard, system_clock)
        ingestion.submit(PARTNER, [pv("R-APR", "2025-04-01", "2025-04-30")])
        IssuanceService(factory, standard, system_clock).issue_pending()
        ingestion.submit(PARTNER, [pv("R-JUN", "2025-06-01", "2025-06-30")])
    finally:
        engine.dispose()


def test_the_import_says_what_it_re_examined(migrated_url: str, tmp_path: Path) -> None:
    from hub.cli.app import app

    _record(migrated_url)
    listing = tmp_path / "gec.csv"
    listing.write_text(LISTING, encoding="utf-8")
    where = ["--database-url", migrated_url]

    shown = CliRunner(env={"COLUMNS": "250"}).invoke(
        app, ["registers", "import", "--kind", "gec", str(listing), *where]
    )

    assert shown.exit_code == 0, shown.output
    assert "re-examined: 2; rejected 1, held 0, issued and reported 1" in shown.output
    assert f"claim {PARTNER}/R-JUN: ACCEPTED -> REJECTED (gec/GEC-2025-Q2)" in shown.output
    assert f"issued claim {PARTNER}/R-APR is on this list as gec/GEC-2025-Q2" in shown.output
    assert "EXTERNAL_REGISTER" in shown.output and "carbon-hub bureau resolve" in shown.output

    # The same list again, as JSON: nothing new to say of either claim.
    result = CliRunner().invoke(
        app, ["registers", "import", "--kind", "gec", str(listing), "--json", *where]
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["version"] == 2
    assert (document["claims_examined"], document["claims"]) == (1, [])
    assert document["reconciliation_id"] is None and document["discrepancies"] == []


def test_the_import_as_json_lists_the_frozen_blocks(migrated_url: str, tmp_path: Path) -> None:
    from hub.cli.app import app

    _record(migrated_url)
    listing = tmp_path / "gec.csv"
    listing.write_text(LISTING, encoding="utf-8")
    where = ["--database-url", migrated_url]
    result = CliRunner().invoke(
        app, ["registers", "import", "--kind", "gec", str(listing), "--json", *where]
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["claims_examined"] == 2
    moved = {c["record_id"]: (c["was"], c["now"], c["codes"]) for c in document["claims"]}
    assert moved == {
        "R-APR": ("ISSUED", "ISSUED", ["CLAIM_CREDITED_IN_EXTERNAL_REGISTER"]),
        "R-JUN": ("ACCEPTED", "REJECTED", ["CLAIM_CREDITED_IN_EXTERNAL_REGISTER"]),
    }
    (discrepancy,) = document["discrepancies"]
    (april,) = [c for c in document["claims"] if c["record_id"] == "R-APR"]
    assert discrepancy["block_serial"] == april["frozen_blocks"][0]
    assert discrepancy["frozen_block_id"]
    assert discrepancy["record_id"] == f"{PARTNER}/R-APR"
