"""``carbon-hub registers import|list`` as the bureau runs them: a CCER list loaded
from CSV holds a later registration of a roof on it, naming the entry; a list
with a wrong row is refused with its code and line, and loads nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from carbonhub_contract.vocabulary.records import Decision
from hub.services.projects import ProjectRegistrationService
from hub.standard import default_standards_dir, load_standard
from hub.storage.database import create_engine_for, migrate, sqlite_url_for
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from tests.unit.services.builders import pv_project

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow

LIST = (
    "entry_id,name,type,longitude,latitude,size,size_unit,region_code\n"
    "CCER-2024-PV-0042,广州科学城厂房屋顶光伏,光伏,113.4531,23.1699,0.38,MW,440112\n"
)


def _hub(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "from hub.cli.app import main; main()",
            *args,
            "--data-dir",
            str(data_dir),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin", "HOME": str(data_dir)},
    )


def test_a_loaded_ccer_list_holds_a_roof_on_it(tmp_path: Path) -> None:
    migrate(sqlite_url_for(tmp_path))
    listing = tmp_path / "ccer-projects.csv"
    listing.write_text(LIST, encoding="utf-8")

    loaded = _hub(tmp_path, "registers", "import", "--kind", "ccer", str(listing), "--json")
    assert loaded.returncode == 0, loaded.stderr + loaded.stdout
    version = json.loads(loaded.stdout)
    assert (version["kind"], version["version"], version["entries"]) == ("ccer", 1, 1)
    assert version["actor"] == "bureau:bureau"

    listed = _hub(tmp_path, "registers", "list", "--json")
    assert [v["sha256"] for v in json.loads(listed.stdout)["versions"]] == [version["sha256"]]

    engine = create_engine_for(sqlite_url_for(tmp_path))
    try:
        service = ProjectRegistrationService(
            SqlAlchemyUnitOfWorkFactory(engine), load_standard(default_standards_dir())
        )
        (result,) = service.register("CN-GD", [pv_project()])
    finally:
        engine.dispose()
    assert result.decision is Decision.HELD
    (check,) = result.checks
    assert (check.code, check.details["entry_id"]) == (
        "PROJECT_IN_EXTERNAL_REGISTER",
        "CCER-2024-PV-0042",
    )


def test_a_list_with_a_wrong_row_is_refused_with_its_line(tmp_path: Path) -> None:
    migrate(sqlite_url_for(tmp_path))
    listing = tmp_path / "gec.csv"
    listing.write_text(LIST + "GEC-1,某光伏,光伏,113.1,23.0,-5,kW,\n", encoding="utf-8")

    refused = _hub(tmp_path, "registers", "import", "--kind", "gec", str(listing))

    assert refused.returncode == 1
    # The refusal goes to stderr, with its code, the line and the column.
    assert "REGISTER_FILE_INVALID" in refused.stderr and "line 3, size" in refused.stderr
    listed = _hub(tmp_path, "registers", "list", "--json")
    assert json.loads(listed.stdout) == {"versions": []}
