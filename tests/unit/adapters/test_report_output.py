"""The partner's report: in its language, plain when piped, and as documented JSON.

Run through the CLI with its output captured (not a terminal), against the
in-process fake hub or, for deliveries refused whole, against no hub at all.
The JSON documents are read only by the field names adapters/README.md
documents (tests/unit/adapters/documented_json.py).
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner, Result

from adapters.cli import EXIT_HUB, EXIT_REFUSED, app
from adapters.delivery import RowProblem, SourceRef
from adapters.delivery_report import (
    CheckOutcome,
    ClaimOutcome,
    DeliveryReport,
    VintagePartOutcome,
)
from adapters.problem_messages import code_message
from adapters.report import render_report
from adapters.report_json import delivery_document
from adapters.report_language import check_text
from carbonhub_contract.key_files import write_ed25519_keypair
from carbonhub_contract.vocabulary.checks import Severity
from carbonhub_contract.vocabulary.records import Decision
from tests.unit.adapters.adapter_testkit import GD_01, HK_01, REPO, FakeHub
from tests.unit.adapters.documented_json import check_documented

MO_MISLABELLED = REPO / "adapters/macao/samples/MO-20250403-03"
NO_HUB = "127.0.0.1:9"  # discard: nothing answers gRPC there


def _key(tmp_path: Path) -> Path:
    write_ed25519_keypair(tmp_path / "keys/signing.key", tmp_path / "keys/signing.pub")
    return tmp_path / "keys/signing.key"


def _invoke(*args: str, columns: int = 40) -> Result:
    # A narrow COLUMNS: rich would wrap at it; the plain report must not.
    return CliRunner().invoke(app, list(args), env={"COLUMNS": str(columns)})


def _document(result: Result) -> dict[str, Any]:
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout  # one document, nothing else on stdout
    document: dict[str, Any] = json.loads(lines[0])
    check_documented(document)
    assert document["exit_code"] == result.exit_code
    return document


def _offline(name: str, delivery: Path, tmp_path: Path, *extra: str) -> Result:
    return _invoke(
        name,
        "--delivery",
        str(delivery),
        "--hub",
        NO_HUB,
        "--insecure",
        "--signing-key",
        str(_key(tmp_path)),
        "--connect-timeout",
        "0.3",
        *extra,
    )


def test_a_delivery_refused_whole_is_one_documented_json_document(tmp_path: Path) -> None:
    result = _offline("macao", MO_MISLABELLED, tmp_path, "--json", "--lang", "pt")
    assert result.exit_code == EXIT_REFUSED, result.output
    document = _document(result)
    assert (document["outcome"], document["sent"], document["error"]) == ("REFUSED", False, None)
    assert (document["partner"], document["delivery"]) == ("CN-MO", "MO-20250403-03")
    (problem,) = document["problems"]
    assert (problem["code"], problem["line"], problem["level"]) == (
        "ENCODING_MISMATCH",
        None,
        "file",
    )
    assert problem["message"].startswith(code_message("ENCODING_MISMATCH", "pt"))
    assert document["refused_files"] == ["actividades.csv"]
    assert document["counts"]["claims"] == {"ACCEPTED": 0, "REJECTED": 0, "HELD": 0}


def _broken_manifest(tmp_path: Path) -> Path:
    folder = tmp_path / GD_01.name
    shutil.copytree(GD_01, folder)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["sha256"]["reductions.csv"] = "not-a-digest"
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def test_a_manifest_problem_has_no_line_and_names_its_field(tmp_path: Path) -> None:
    folder = _broken_manifest(tmp_path)
    document = _document(_offline("guangdong", folder, tmp_path, "--json"))
    (problem,) = document["problems"]
    assert (problem["file"], problem["line"], problem["column"], problem["level"]) == (
        "manifest.json",
        None,
        'sha256["reductions.csv"]',
        "delivery",
    )
    text = _offline("guangdong", folder, tmp_path)
    assert text.exit_code == EXIT_REFUSED
    (row,) = [line for line in text.stdout.splitlines() if "MANIFEST_INVALID" in line]
    assert row.split("\t")[:4] == [
        "manifest.json",
        "—",
        'sha256["reductions.csv"]',
        "MANIFEST_INVALID",
    ]


def test_the_refused_delivery_reads_in_traditional_chinese(tmp_path: Path) -> None:
    result = _offline("macao", MO_MISLABELLED, tmp_path, "--lang", "zh-Hant")
    assert result.exit_code == EXIT_REFUSED
    assert code_message("ENCODING_MISMATCH", "zh-Hant") in result.stdout


def test_an_unreachable_hub_is_a_json_document_too(tmp_path: Path) -> None:
    result = _offline("hongkong", HK_01, tmp_path, "--json")
    assert result.exit_code == EXIT_HUB, result.output
    document = _document(result)
    assert document["outcome"] == "HUB_FAILED" and document["sent"] is False
    assert document["error"]["message"] and document["partner"] == "CN-HK"
    assert NO_HUB in result.stderr  # the line for people went to stderr


def test_a_tls_file_that_cannot_work_is_a_json_document(tmp_path: Path) -> None:
    key = _key(tmp_path)
    missing = tmp_path / "no-ca.crt"
    result = _invoke(
        "hongkong",
        "--delivery",
        str(HK_01),
        "--hub",
        NO_HUB,
        "--ca",
        str(missing),
        "--cert",
        str(missing),
        "--key",
        str(missing),
        "--signing-key",
        str(key),
        "--json",
    )
    assert result.exit_code == EXIT_REFUSED
    document = _document(result)
    assert document["outcome"] == "REFUSED" and document["partner"] is None
    assert document["error"]["code"] == "TLS_FILE_UNREADABLE"
    assert result.stderr.startswith("TLS_FILE_UNREADABLE: ")


def _to_fake_hub(fake_hub: FakeHub, *extra: str) -> Result:
    fake_hub.service.reject["GRN-2410-000104"] = ("PROJECT_NOT_APPROVED", "")
    key = fake_hub.signing_key_file("CN-HK")
    return _invoke(
        "hongkong",
        "--delivery",
        str(HK_01),
        "--hub",
        fake_hub.address,
        "--insecure",
        "--signing-key",
        str(key),
        *extra,
    )


def test_a_sent_delivery_is_one_documented_json_document(fake_hub: FakeHub) -> None:
    result = _to_fake_hub(fake_hub, "--json", "--lang", "zh-Hant")
    assert result.exit_code == 0, result.output
    document = _document(result)
    assert (document["outcome"], document["sent"], document["lang"]) == (
        "PROCESSED",
        True,
        "zh-Hant",
    )
    claims = {c["record_id"]: c for c in document["claims"]}
    rejected = claims["GRN-2410-000104"]
    assert rejected["decision"] == "REJECTED" and rejected["claim_id"] == "C-GRN-2410-000104"
    assert [c["code"] for c in rejected["checks"]] == ["PROJECT_NOT_APPROVED"]
    accepted = claims["GRN-2410-000101"]
    assert accepted["decision"] == "ACCEPTED" and isinstance(accepted["credited_tco2e"], str)
    assert document["counts"]["claims"]["REJECTED"] == 1
    assert sum(document["counts"]["claims"].values()) == len(document["claims"])
    (district,) = [p for p in document["problems"] if p["code"] == "ROW_DISTRICT_UNKNOWN"]
    assert district["message"].startswith(code_message("ROW_DISTRICT_UNKNOWN", "zh-Hant"))
    assert (district["line"], district["column"], district["level"]) == (14, "district", "row")
    assert "Tseung Kwan O" in district["detail"]


def test_a_piped_report_is_plain_lines_never_wrapped(fake_hub: FakeHub) -> None:
    result = _to_fake_hub(fake_hub, "--batch-size", "5")
    assert result.exit_code == 0, result.output
    rows = [line.split("\t") for line in result.stdout.splitlines() if "\t" in line]
    refused = {row[4]: row for row in rows if len(row) == 7 and row[3] in ("REJECTED", "HELD")}
    assert refused["GRN-2410-000104"][5] == "PROJECT_NOT_APPROVED"
    assert ["activities.csv", "14", "district", "ADAPTER", "", "ROW_DISTRICT_UNKNOWN"] in [
        row[:6] for row in rows
    ]
    # Longer than COLUMNS, still one line each.
    (headline,) = [line for line in result.stdout.splitlines() if "rows read," in line]
    assert headline.startswith("CN-HK HK-20241101-01: ") and headline.endswith("by the adapter")
    assert "ROW_DISTRICT_UNKNOW\n" not in result.stdout and "…" not in result.stdout


def test_a_check_without_a_translation_falls_back_to_english() -> None:
    newer = CheckOutcome("SOME_NEWER_CHECK", Severity.ERROR, "", "a newer check", {}, "")
    assert check_text(newer, "pt") == "a newer check"
    assert check_text(newer, "zh-CN") == "a newer check"
    known = CheckOutcome(
        "UNIT_UNKNOWN", Severity.ERROR, "单位 x 无法识别", "unit x unknown", {"unit": "x"}, ""
    )
    assert check_text(known, "pt") == "a unidade x não é conhecida"
    assert check_text(known, "zh-Hant") == "單位 x 無法識別"


@pytest.mark.parametrize("lang", ["en", "zh-CN", "zh-Hant", "pt"])
def test_every_language_is_accepted_by_every_delivery_command(lang: str, tmp_path: Path) -> None:
    result = _offline("macao", MO_MISLABELLED, tmp_path, "--lang", lang)
    assert result.exit_code == EXIT_REFUSED, result.output
    assert code_message("ENCODING_MISMATCH", lang) in result.stdout or lang == "en"


def _held_report() -> DeliveryReport:
    check = CheckOutcome(
        "PROJECT_NOT_APPROVED",
        Severity.REVIEW,
        "项目 HC-PV-2023-001 尚未通过主管部门审核（当前 SUBMITTED）",
        "project HC-PV-2023-001 is not approved by the bureau yet (state SUBMITTED)",
        {"project_id": "HC-PV-2023-001", "state": "SUBMITTED"},
        "项目编号",
    )
    claim = ClaimOutcome(
        SourceRef("monitoring.csv", 3),
        "HC-JC-2024-0001",
        "C-1",
        Decision.HELD,
        (check,),
        False,
        "SZ-PV",
        2024,
        "13.5",
        "13.5",
        "13.5",
    )
    manifest = RowProblem("manifest.json", 0, "files.x", "MANIFEST_INVALID", "bad")
    return DeliveryReport("451200", "HC-1", 3, (manifest,), (claim,))


@pytest.mark.parametrize("width", [50, 200])
def test_on_a_terminal_codes_are_never_split(width: int) -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=width, color_system=None)
    render_report(_held_report(), console, "zh-Hant")
    text = out.getvalue()
    assert "PROJECT_NOT_APPROVED" in text and "HC-JC-2024-0001" in text
    assert "尚未通過主管部門審核" in text  # the zh-Hant template, filled from the details
    (manifest,) = [line for line in text.splitlines() if "manifest.json" in line]
    assert " 0 " not in manifest and "—" in manifest


def test_an_issued_claim_spanning_new_year_reports_its_vintage_parts() -> None:
    parts = (
        VintagePartOutcome(
            2024, "5.161290", ("SZCER-CN-GD-SZ-PV-2024-X-000001-000005",), "0.16129"
        ),
        VintagePartOutcome(2025, "4.838710", ("SZCER-CN-GD-SZ-PV-2025-X-000001-000004",), ""),
    )
    claim = ClaimOutcome(
        SourceRef("reductions.csv", 2),
        "GD-NY",
        "C-NY",
        Decision.ACCEPTED,
        (),
        False,
        "SZ-PV",
        2025,
        "10",
        "12",
        "10",
        state="ISSUED",
        block_serials=tuple(s for p in parts for s in p.block_serials),
        vintage_parts=parts,
    )
    report = DeliveryReport("CN-GD", "GD-1", 1, (), (claim,))
    document = delivery_document(
        adapter="guangdong", lang="en", outcome="PROCESSED", delivery=None, report=report
    )
    check_documented(document)
    (reported,) = document["claims"]
    assert [
        (p["vintage"], p["credited_tco2e"], p["block_serials"], p["carried_tco2e"])
        for p in reported["vintage_parts"]
    ] == [
        (2024, "5.161290", ["SZCER-CN-GD-SZ-PV-2024-X-000001-000005"], "0.16129"),
        (2025, "4.838710", ["SZCER-CN-GD-SZ-PV-2025-X-000001-000004"], None),
    ]
