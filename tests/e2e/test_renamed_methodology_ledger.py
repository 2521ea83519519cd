"""A ledger written under the old methodology ids, read under the renamed ones.

The demo is run with the standard as it stood before the rename (recycling
and forest sinks as SZ-RECYCLE and SZ-FOREST-SINK), so its blocks, serials,
pools, site bindings and audit log carry the old ids. The hub is then opened
on that ledger with the shipped standard (HUB-INTERIM-RECYCLE and
HUB-INTERIM-FOREST-SINK, ``formerly`` the old ids): the old serials still
parse and name their methodology, the audit log still verifies, disclosure
shows one methodology under the new id, and a new claim at an outlet bound
under the old id is accepted and pooled with the old ones.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from carbonhub_contract.vocabulary.records import Decision
from hub.bootstrap import build_hub
from hub.domain.serial_blocks import parse_serial
from hub.services.disclosure import DisclosureFilter, TotalsDimension
from hub.settings import load_settings
from hub.standard import default_standards_dir, load_standard
from hub.storage.database import SQLITE_FILE_NAME
from tests.unit.domain.domain_builders import hk_green_claim

ROOT = Path(__file__).resolve().parents[2]
RENAMED = {"HUB-INTERIM-RECYCLE": "SZ-RECYCLE", "HUB-INTERIM-FOREST-SINK": "SZ-FOREST-SINK"}

pytestmark = pytest.mark.slow


def _standard_before_the_rename(root: Path) -> Path:
    """A copy of standards/ as it was filed before the rename: old ids, no alias."""
    old = root / "standards"
    for path in default_standards_dir().rglob("*"):
        target = old / path.relative_to(default_standards_dir())
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        text = path.read_bytes()
        if path.suffix == ".yaml":
            decoded = text.decode("utf-8")
            for new, former in RENAMED.items():
                decoded = decoded.replace(f"    interim: true\n    formerly: [{former}]\n", "")
                decoded = decoded.replace(new, former)
            text = decoded.encode("utf-8")
        target.write_bytes(text)
    ids = {m.id for m in load_standard(old).methodologies()}
    assert {"SZ-RECYCLE", "SZ-FOREST-SINK"} <= ids and not ids & set(RENAMED)
    return old


@pytest.fixture(scope="module")
def old_ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("renamed")
    data = root / "data"
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from hub.cli.app import main; main()",
            *("demo", "--data-dir"),
            str(data),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={
            "COLUMNS": "160",
            "PATH": "/usr/bin:/bin",
            "HOME": str(root),
            "HUB_STANDARDS_DIR": str(_standard_before_the_rename(root)),
        },
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "SZ-RECYCLE" in result.stdout and "HUB-INTERIM" not in result.stdout
    return data


def test_an_old_ledger_reads_verifies_and_discloses_under_the_new_ids(old_ledger: Path) -> None:
    settings = load_settings(
        data_dir=old_ledger,
        database_url=f"sqlite:///{(old_ledger / SQLITE_FILE_NAME).resolve()}",
        pki_dir=old_ledger / "pki",
        standards_dir=default_standards_dir(),
    )
    hub = build_hub(settings, existing=True)
    try:
        assert hub.audit.verify().ok
        disclosure = hub.http_services().disclosure
        everything = DisclosureFilter()

        # The forest blocks keep their serials, which parse and name the methodology.
        forest = [b for b in disclosure.all_blocks(everything) if "-SZ-FOREST-SINK-" in b.serial]
        assert forest, "the old ledger has no forest blocks"
        for block in forest:
            series = parse_serial(block.serial).series
            assert series.methodology == "SZ-FOREST-SINK"
            found = hub.standard.methodology(series.methodology)
            assert found is not None and found.id == "HUB-INTERIM-FOREST-SINK" and found.interim
            # Listed under the current id, the serial untouched.
            assert block.methodology == "HUB-INTERIM-FOREST-SINK"
            # Its own page shows the block as stored (the page labels the old id).
            stored = disclosure.lineage(block.serial).block.entry
            assert (stored.serial, stored.methodology) == (block.serial, "SZ-FOREST-SINK")

        # Totals: one methodology, under the new id, with every old unit.
        by = {t.key: t for t in disclosure.all_totals(TotalsDimension.METHODOLOGY, everything)}
        assert "SZ-FOREST-SINK" not in by and "SZ-RECYCLE" not in by
        assert by["HUB-INTERIM-FOREST-SINK"].issued_units == 1200 + 598 + 424 + 2280
        assert by["HUB-INTERIM-FOREST-SINK"].retired_units == 424 + 299
        # Asked by either id, the same blocks.
        for asked in ("SZ-FOREST-SINK", "HUB-INTERIM-FOREST-SINK"):
            where = DisclosureFilter(methodology=asked)
            assert {b.block_id for b in disclosure.all_blocks(where)} == {
                b.block_id for b in forest
            }

        # A new drop at an outlet bound under SZ-RECYCLE: the same programme.
        before = [p for p in disclosure.pools(everything) if p.partner == "CN-HK"]
        assert [(p.methodology, p.claims) for p in before if "RECYCLE" in p.methodology] == [
            ("HUB-INTERIM-RECYCLE", 11)
        ]
        drop = hk_green_claim(
            delivery_id="HK-20241120-RENAME",
            record_id="GRN-2410-900001",
            period_start="2024-10-20",
            period_end="2024-10-20",
            site_id="GS-STN-007",
            platform="EPD",  # as the adapter names GREEN$ drops
        )
        (verdict,) = hub.ingestion.submit("CN-HK", [drop])
        assert verdict.decision is Decision.ACCEPTED, verdict
        assert verdict.methodology == "HUB-INTERIM-RECYCLE"
        hub.issuance.issue_pending()
        after = [p for p in disclosure.pools(everything) if p.partner == "CN-HK"]
        # Old and new pool accounts are shown as one methodology with 12 claims.
        assert [(p.methodology, p.claims) for p in after if "RECYCLE" in p.methodology] == [
            ("HUB-INTERIM-RECYCLE", 12)
        ]
        assert hub.audit.verify().ok
    finally:
        hub.close()
