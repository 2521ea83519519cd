"""The partner template, the sample manifests, the code table and the CLI.

The CLI reaches the fake hub as a loopback development hub (``--insecure``)
and signs with a key registered there (``--signing-key``).
"""

from __future__ import annotations

import re
import stat
from pathlib import Path

from typer.testing import CliRunner

from adapters.cli import EXIT_HUB, EXIT_REFUSED, app
from adapters.partner_template import TemplateAdapter
from adapters.problem_codes import ProblemCode
from adapters.registry import ADAPTERS, adapter_for
from adapters.samples_manifest import stale_digests
from carbonhub_contract.receipts import verify_receipt_file
from carbonhub_contract.signing import PublicKey, Signer
from carbonhub_contract.vocabulary.envelopes import PayloadType
from tests.unit.adapters.adapter_testkit import DATA, GD_01, HK_01, REPO, TPL_01, FakeHub


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
    assert set(ADAPTERS) == {"guangdong", "hechi", "hongkong", "macao", "template"}
    assert adapter_for("hongkong").partner == "CN-HK"
    assert adapter_for("guangdong").partner == "CN-GD"


def test_sample_manifests_are_correct_except_the_broken_one() -> None:
    folders = sorted(REPO.glob("adapters/*/samples/*/manifest.json"))
    folders += sorted(DATA.glob("*/manifest.json"))
    assert len(folders) == 10
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


def _one_line(text: str) -> str:
    return " ".join(text.split())


def test_cli_sends_a_delivery(fake_hub: FakeHub) -> None:
    key = fake_hub.signing_key_file("CN-HK")
    result = CliRunner().invoke(
        app,
        [
            "hongkong",
            "--delivery",
            str(HK_01),
            "--hub",
            fake_hub.address,
            "--insecure",
            "--signing-key",
            str(key),
            "--batch-size",
            "10",
        ],
    )
    assert result.exit_code == 0, result.output
    assert [e.sequence for e in fake_hub.service.envelopes] == [1, 2, 3, 4]
    assert {s.key_id for s in fake_hub.service.signed} == {Signer.from_file(key).key_id}
    assert fake_hub.service.sequence_requests == ["CN-HK"]  # it asked where to number on from
    assert "ROW_DISTRICT_UNKNOWN" in result.output and "rows read" in result.output


def test_cli_numbers_on_from_the_hubs_last_sequence(fake_hub: FakeHub) -> None:
    fake_hub.service.last_sequence["CN-HK"] = 7
    key = fake_hub.signing_key_file("CN-HK")
    args = ["--hub", fake_hub.address, "--insecure", "--signing-key", str(key)]
    result = CliRunner().invoke(app, ["hongkong", "--delivery", str(HK_01), *args])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(app, ["hongkong", "--delivery", str(HK_01), *args])
    assert result.exit_code == 0, result.output
    # A second run of the adapter is a new process: no replay of 8.
    assert [e.sequence for e in fake_hub.service.envelopes] == [8, 9]


def test_cli_keeps_receipts_verified_under_the_hub_key(fake_hub: FakeHub, tmp_path: Path) -> None:
    receipts = tmp_path / "receipts.jsonl"
    hub_key = fake_hub.hub_key_file()
    result = CliRunner().invoke(
        app,
        [
            "hongkong",
            "--delivery",
            str(HK_01),
            "--hub",
            fake_hub.address,
            "--insecure",
            "--signing-key",
            str(fake_hub.signing_key_file("CN-HK")),
            "--batch-size",
            "10",
            "--hub-key",
            str(hub_key),
            "--receipts",
            str(receipts),
        ],
    )
    assert result.exit_code == 0, result.output
    checks = verify_receipt_file(receipts, PublicKey.from_file(hub_key))
    assert len(checks) == 4 and all(c.valid for c in checks)
    assert [c.statement["sequence"] for c in checks] == [1, 2, 3, 4]


def test_cli_a_receipt_failing_the_hub_key_exits_as_a_hub_failure(
    fake_hub: FakeHub, tmp_path: Path
) -> None:
    fake_hub.service.receipt_fault = "bad-signature"
    receipts = tmp_path / "receipts.jsonl"
    result = CliRunner().invoke(
        app,
        [
            "hongkong",
            "--delivery",
            str(HK_01),
            "--hub",
            fake_hub.address,
            "--insecure",
            "--signing-key",
            str(fake_hub.signing_key_file("CN-HK")),
            "--hub-key",
            str(fake_hub.hub_key_file()),
            "--receipts",
            str(receipts),
        ],
    )
    assert result.exit_code == EXIT_HUB, result.output
    assert "RECEIPT_SIGNATURE_INVALID" in _one_line(result.output)
    assert not receipts.exists()  # nothing unverified was kept as proof


def test_cli_without_tls_files_or_insecure_is_a_usage_error(fake_hub: FakeHub) -> None:
    key = fake_hub.signing_key_file("CN-HK")
    result = CliRunner().invoke(
        app,
        [
            "hongkong",
            "--delivery",
            str(HK_01),
            "--hub",
            fake_hub.address,
            "--signing-key",
            str(key),
        ],
    )
    # typer's BadParameter: exit 2 with the reason, before any call to the hub.
    assert result.exit_code == 2
    message = _one_line(result.output)
    assert "mutual TLS needs --ca, --cert, --key" in message
    assert "--insecure" in message
    assert fake_hub.service.sequence_requests == [] and fake_hub.service.signed == []


def test_cli_insecure_is_refused_for_a_hub_off_loopback(fake_hub: FakeHub) -> None:
    key = fake_hub.signing_key_file("CN-HK")
    result = CliRunner().invoke(
        app,
        [
            "hongkong",
            "--delivery",
            str(HK_01),
            "--hub",
            "hub.example.org:50051",
            "--insecure",
            "--signing-key",
            str(key),
        ],
    )
    assert result.exit_code == 2
    assert "loopback" in _one_line(result.output)


def test_cli_writes_need_a_signing_key(fake_hub: FakeHub) -> None:
    result = CliRunner().invoke(
        app, ["hongkong", "--delivery", str(HK_01), "--hub", fake_hub.address, "--insecure"]
    )
    assert result.exit_code == 2
    assert "--signing-key" in _one_line(result.output)
    assert fake_hub.service.signed == []


def test_cli_attestations_are_signed(fake_hub: FakeHub, tmp_path: Path) -> None:
    key = fake_hub.signing_key_file("CN-GD")
    common = ["--hub", fake_hub.address, "--insecure", "--signing-key", str(key)]
    cancellation = CliRunner().invoke(
        app,
        [
            "attest-cancellation",
            "guangdong",
            *common,
            "--claim-id",
            "C-1",
            "--origin-serial",
            "GDPH-P-2024-1-2",
            "--cancellation-id",
            "X-1",
            "--note",
            "for the hub: C-1",
            "--journal",
            str(tmp_path / "journal.jsonl"),
        ],
    )
    assert cancellation.exit_code == 0, cancellation.output
    adjustment = CliRunner().invoke(
        app,
        ["attest-adjustment", "guangdong", *common, "--reference", "AA-1", "--status", "COMPLETED"],
    )
    assert adjustment.exit_code == 0, adjustment.output
    assert [s.payload_type for s in fake_hub.service.signed] == [
        PayloadType.SOURCE_CANCELLATION.value,
        PayloadType.ACCOUNTING_ADJUSTMENT.value,
    ]
    assert [a.sequence for a in fake_hub.service.attestations] == [1, 2]


def test_cli_keygen_writes_a_key_pair(tmp_path: Path) -> None:
    out = tmp_path / "keys"
    result = CliRunner().invoke(app, ["keygen", "--out", str(out)])
    assert result.exit_code == 0, result.output
    private, public = out / "signing.key", out / "signing.pub"
    key_id = Signer.from_file(private).key_id
    assert PublicKey.from_file(public).key_id == key_id
    assert key_id in _one_line(result.output)
    assert stat.S_IMODE(private.stat().st_mode) == 0o600  # the private key is the owner's only


def test_cli_keygen_never_overwrites_a_key(tmp_path: Path) -> None:
    out = tmp_path / "keys"
    assert CliRunner().invoke(app, ["keygen", "--out", str(out)]).exit_code == 0
    before = ((out / "signing.key").read_bytes(), (out / "signing.pub").read_bytes())
    result = CliRunner().invoke(app, ["keygen", "--out", str(out)])
    assert result.exit_code == EXIT_REFUSED
    assert "never overwritten" in _one_line(result.output)
    assert ((out / "signing.key").read_bytes(), (out / "signing.pub").read_bytes()) == before


def test_cli_refused_delivery_exits_non_zero(fake_hub: FakeHub) -> None:
    result = CliRunner().invoke(
        app,
        [
            "guangdong",
            "--delivery",
            str(DATA / "GD-BROKEN-ENCODING"),
            "--hub",
            fake_hub.address,
            "--insecure",
            "--signing-key",
            str(fake_hub.signing_key_file("CN-GD")),
        ],
    )
    assert result.exit_code == EXIT_REFUSED
    assert "ENCODING_MISMATCH" in result.output and "refused whole" in result.output
    assert fake_hub.service.sequence_requests == []  # nothing was sent, not even a question


def test_cli_unreachable_hub_exits_non_zero(fake_hub: FakeHub) -> None:
    result = CliRunner().invoke(
        app,
        [
            "guangdong",
            "--delivery",
            str(GD_01),
            "--hub",
            "127.0.0.1:9",
            "--insecure",
            "--signing-key",
            str(fake_hub.signing_key_file("CN-GD")),
            "--connect-timeout",
            "0.3",
        ],
    )
    assert result.exit_code == EXIT_HUB
    assert "unreachable" in result.output
