"""A claim accepted before its methodology was renamed is issued under the new id.

Blocks already issued keep the id in their serial; what the issuer issues
from then on, including claims that were waiting, carries the current id.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from hub.domain.serial_blocks import parse_serial
from hub.services.issuance import IssuanceService
from hub.standard import Standard, default_standards_dir, load_standard

from .builders import pv
from .ledger_setup import make_ledger


def renamed_standard_dir(tmp_path: Path) -> Path:
    """A copy of the shipped standard with SZ-PV filed as HUB-INTERIM-PV, formerly SZ-PV."""
    root = tmp_path / "standards"
    shutil.copytree(default_standards_dir(), root)
    methodologies = root / "methodologies.yaml"
    text = methodologies.read_text(encoding="utf-8")
    assert "  - id: SZ-PV\n" in text
    methodologies.write_text(
        text.replace(
            "  - id: SZ-PV\n", "  - id: HUB-INTERIM-PV\n    interim: true\n    formerly: [SZ-PV]\n"
        ),
        encoding="utf-8",
    )
    for crosswalk in (root / "crosswalks").glob("*.yaml"):
        crosswalk.write_text(
            crosswalk.read_text(encoding="utf-8").replace(
                "methodology: SZ-PV\n", "methodology: HUB-INTERIM-PV\n"
            ),
            encoding="utf-8",
        )
    return root


def test_claims_waiting_under_the_old_id_are_issued_under_the_new_one(
    standard: Standard, tmp_path: Path
) -> None:
    ledger = make_ledger(standard)
    ledger.accept([pv("R1", "2024-01-01", "2024-01-31")])
    before = ledger.issuance.issue_pending()
    assert {parse_serial(b.serial).series.methodology for b in before.blocks} == {"SZ-PV"}
    (waiting,) = ledger.accept([pv("R2", "2024-02-01", "2024-02-29")])
    assert waiting.methodology == "SZ-PV"

    renamed = load_standard(renamed_standard_dir(tmp_path))
    issuer = IssuanceService(ledger.uow_factory, renamed, ledger.clock, batch_size=3)
    after = issuer.issue_pending()

    assert after.claims == 1 and after.blocks
    assert {parse_serial(b.serial).series.methodology for b in after.blocks} == {"HUB-INTERIM-PV"}
    # A new series: its units start at 1 and never overlap the old series'.
    assert min(b.range.first for b in after.blocks) == 1
