"""The partner template, the sample manifests, the code table and the CLI."""

from __future__ import annotations

import re
from pathlib import Path

from adapter_testkit import DATA, GD_01, HK_01, REPO, TPL_01, FakeHub
from typer.testing import CliRunner

from adapters.cli import EXIT_HUB, EXIT_REFUSED, app
from adapters.partner_template import TemplateAdapter
from adapters.problem_codes import ProblemCode
from adapters.registry import ADAPTERS, adapter_for
from adapters.samples_manifest import stale_digests


def test_template_adapter_reads_its_sample() -> None:
    d = TemplateAdapter().read(TPL_01)
    assert (d.partner, d.delivery_id, d.rows_read) == ("CN-TPL", "TPL-20241101-01", 6)
    assert [c.submission.record_id for c in d.claims] == [
        "TPL-0001",
        "TPL-0002",
        "TPL-0003",
        "TPL-0006",
    ]
    assert [(p.line, p.column, p.code) for p in d.problems] == [
        (5, "start", "ROW_DATE_MALFORMED"),
        (5, "end", "ROW_DATE_MALFORMED"),
        (6, "unit", "ROW_UNIT_UNKNOWN"),
    ]
    second = d.claims[1].submission
    assert (second.period_start, second.activity_unit) == ("2024-10-08T07:50:00", "pkm")


def test_registry() -> None:
    assert set(ADAPTERS) == {"guangdong", "hongkong", "template"}
    assert adapter_for("hongkong").partner == "CN-HK"
    assert adapter_for("guangdong").partner == "CN-GD"


def test_sample_manifests_are_correct_except_the_broken_one() -> None:
    folders = sorted(REPO.glob("adapters/*/samples/*/manifest.json"))
    folders += sorted(DATA.glob("*/manifest.json"))
    assert len(folders) == 6
    for manifest in folders:
        stale = stale_digests(manifest.parent)
        if manifest.parent.name == "GD-BROKEN-DIGEST":
            assert list(stale) == ["reductions.csv"]
        else:
            assert stale == {}, manifest.parent


def test_readme_documents_every_problem_code() -> None:
    readme = (REPO / "adapters/README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", readme, flags=re.MULTILINE))
    assert documented == {c.value for c in ProblemCode}


def test_cli_sends_a_delivery(fake_hub: FakeHub) -> None:
    result = CliRunner().invoke(
        app, ["hongkong", "--delivery", str(HK_01), "--hub", fake_hub.address, "--batch-size", "10"]
    )
    assert result.exit_code == 0, result.output
    assert [e.sequence for e in fake_hub.service.envelopes] == [1, 2, 3, 4]
    assert "ROW_DISTRICT_UNKNOWN" in result.output and "rows read" in result.output


def test_cli_refused_delivery_exits_non_zero() -> None:
    result = CliRunner().invoke(
        app, ["guangdong", "--delivery", str(DATA / "GD-BROKEN-ENCODING"), "--hub", "127.0.0.1:9"]
    )
    assert result.exit_code == EXIT_REFUSED
    assert "ENCODING_MISMATCH" in result.output and "refused whole" in result.output


def test_cli_unreachable_hub_exits_non_zero(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["guangdong", "--delivery", str(GD_01), "--hub", "127.0.0.1:9", "--connect-timeout", "0.3"],
    )
    assert result.exit_code == EXIT_HUB
    assert "unreachable" in result.output
