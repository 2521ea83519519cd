"""Macao (CN-MO) delivers its sample to a real hub over mutual TLS.

The onboarding commands of docs/onboarding-macao.md, run as command lines
against ``carbon-hub serve`` as its own OS process: certificates of the hub
PKI for Macao and Hong Kong, their signing keys registered, Hong Kong's
sample delivered first (its rides are the other side of the border), then
Macao's three samples with ``carbon-hub-adapter macao``. What a user would
notice is asserted on the hub's database and in the adapter's report: the
hub loads the CN-MO agreement, each Macao record is accepted, held or
rejected as the sample's README says, with the code it says; the bureau
rejects the held claim and the running hub issues the one whole unit series
with Macao's origin.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from adapters.cli import EXIT_REFUSED
from hub.storage.database import create_engine_for
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from tests.e2e.test_serve_cli import running_hub

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "adapters/macao/samples"
HK_SAMPLE = ROOT / "adapters/hongkong/samples/HK-20241101-01"
OFFICER = "陳科長"
ISSUANCE_TIMEOUT = 60.0  # serve issues every HUB_ISSUANCE_INTERVAL (2 s by default)

ACCEPTED = (
    "MO-2025-000101",  # 12,5 kg paper
    "MO-2025-000102",  # 1 234,5 kg metals, Portuguese words, 年月日 dates
    "MO-2025-000103",  # 1,234.5 公斤 beverage cartons
    "MO-2025-000104",  # light rail 6,4 km
    "MO-2025-000105",  # bus 5,2 公里
    "MO-2025-000106",  # rooftop PV 1.234,5 千瓦時 with CEM
    "MO-2025-000201",  # Big5-HKSCS delivery
    "MO-2025-000202",
    "MO-2025-000203",
)
HELD = ("MO-2025-000119",)  # 1.234.567 kg of metal at one station in a day
REJECTED = {
    "MO-2025-000111": "PERSON_TRIP_OVERLAP",  # overlaps the same person's ride 000104
    "MO-2025-000112": "PERSON_PERIOD_OVERLAP",  # Hong Kong reported this person's ride that day
    "MO-2025-000113": "UTILITY_REQUIRED",  # rooftop PV without a supplier
    "MO-2025-000114": "ADJUSTMENT_REF_MISSING",
    "MO-2025-000115": "DUPLICATE_CONTENT",  # 000101 re-sent under a new reference
    "MO-2025-000116": "TRIP_WITHOUT_DISTANCE",  # bus rides counted in trips
    "MO-2025-000117": "MATERIAL_UNKNOWN",  # household batteries: no factor filed
}
ADAPTER_CODES = (
    "ROW_QUANTITY_AMBIGUOUS",
    "ROW_DATE_MALFORMED",
    "ROW_DISTRICT_UNKNOWN",
    "ROW_POINTS_NOT_QUANTITY",
    "ROW_UNIT_UNKNOWN",
)

pytestmark = pytest.mark.slow


def _env(home: Path) -> dict[str, str]:
    return {"COLUMNS": "400", "PATH": "/usr/bin:/bin", "HOME": str(home), "HUB_HTTP_PORT": "0"}


def _run(module: str, *args: str, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", f"from {module} import main; main()", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=_env(home),
    )


def _hub(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    done = _run("hub.cli.app", *args, home=home)
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done


def _decisions(data: Path, partner: str) -> dict[str, str]:
    with sqlite3.connect(data / "hub.db") as connection:
        rows = connection.execute(
            "SELECT record_id, decision FROM claims WHERE partner = ?", (partner,)
        ).fetchall()
    return {str(record): str(decision) for record, decision in rows}


def _blocks(data: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(data / "hub.db") as connection:
        rows = connection.execute(
            "SELECT serial, partner FROM blocks WHERE partner = 'CN-MO' ORDER BY serial"
        ).fetchall()
    return [(str(serial), str(partner)) for serial, partner in rows]


def _partner_ready(partner: str, data: Path, home: Path) -> Path:
    """Certificate and registered signing key of ``partner``; the keys folder."""
    _hub(
        "pki",
        "issue",
        "--role",
        "partner",
        "--partner",
        partner,
        "--data-dir",
        str(data),
        home=home,
    )
    keys = data / f"{partner}-keys"
    made = _run("adapters.cli", "keygen", "--out", str(keys), home=home)
    assert made.returncode == 0, made.stderr
    _hub(
        "keys",
        "register",
        "--partner",
        partner,
        "--public-key",
        str(keys / "signing.pub"),
        "--officer",
        OFFICER,
        "--data-dir",
        str(data),
        home=home,
    )
    return keys


def _deliver(
    adapter: str, partner: str, delivery: Path, address: str, data: Path, home: Path
) -> subprocess.CompletedProcess[str]:
    pki = data / "pki"
    return _run(
        "adapters.cli",
        adapter,
        "--delivery",
        str(delivery),
        "--hub",
        address,
        "--ca",
        str(pki / "ca.crt"),
        "--cert",
        str(pki / "issued" / f"{partner}.crt"),
        "--key",
        str(pki / "issued" / f"{partner}.key"),
        "--signing-key",
        str(data / f"{partner}-keys" / "signing.key"),
        "--hub-key",
        str(pki / "hub-signing.pub"),
        home=home,
    )


def test_macao_sample_delivered_to_a_mutual_tls_hub(tmp_path: Path) -> None:
    data = tmp_path / "macao-onboarding"
    _hub("pki", "init", "--data-dir", str(data), home=tmp_path)
    _partner_ready("CN-MO", data, tmp_path)
    _partner_ready("CN-HK", data, tmp_path)

    with running_hub(
        tmp_path, "--data-dir", str(data), "--grpc-port", "0", env=_env(tmp_path)
    ) as hub:
        hk = _deliver("hongkong", "CN-HK", HK_SAMPLE, hub.address, data, tmp_path)
        assert hk.returncode == 0, (hk.stdout, hk.stderr)
        assert _decisions(data, "CN-HK")["MTR-2410-000301"] == "ACCEPTED"

        sent = _deliver("macao", "CN-MO", SAMPLES / "MO-20250401-01", hub.address, data, tmp_path)
        assert sent.returncode == 0, (sent.stdout, sent.stderr)
        report = " ".join(sent.stdout.split())
        for code in (*ADAPTER_CODES, *REJECTED.values(), "QUANTITY_OUT_OF_BOUNDS"):
            assert code in report, code

        big5 = _deliver("macao", "CN-MO", SAMPLES / "MO-20250402-02", hub.address, data, tmp_path)
        assert big5.returncode == 0, (big5.stdout, big5.stderr)
        assert "ROW_DATE_MALFORMED" in big5.stdout

        mislabelled = _deliver(
            "macao", "CN-MO", SAMPLES / "MO-20250403-03", hub.address, data, tmp_path
        )
        assert mislabelled.returncode == EXIT_REFUSED, (mislabelled.stdout, mislabelled.stderr)
        assert "ENCODING_MISMATCH" in " ".join(mislabelled.stdout.split())
        assert _decisions(data, "CN-MO") == {
            **dict.fromkeys(ACCEPTED, "ACCEPTED"),
            **dict.fromkeys(HELD, "HELD"),
            **dict.fromkeys(REJECTED, "REJECTED"),
        }

        # The bureau decides the held claim; the running hub issues what is whole.
        (held,) = HELD
        rejected = _hub(
            "bureau",
            "reject-claim",
            "--partner",
            "CN-MO",
            "--record",
            held,
            "--officer",
            OFFICER,
            "--comment",
            "1 234 567 kg num dia: tonelada lida como kg",
            "--data-dir",
            str(data),
            home=tmp_path,
        )
        assert "REJECTED" in rejected.stdout
        deadline = time.monotonic() + ISSUANCE_TIMEOUT
        while not _blocks(data):
            assert time.monotonic() < deadline, hub.stderr()
            time.sleep(0.2)

    # Rows the adapter refused never reached the hub; nothing else is missing.
    assert _decisions(data, "CN-MO") == {
        **dict.fromkeys(ACCEPTED, "ACCEPTED"),
        **dict.fromkeys((*HELD, *REJECTED), "REJECTED"),
    }
    # Whole units per series: only station ECO-SLO-02's 2.469 t of metal reaches one.
    assert _blocks(data) == [
        ("SZCER-CN-MO-HUB-INTERIM-RECYCLE-2025-ECO-SLO-02-000001-000002", "CN-MO")
    ]

    # The verdicts as the hub reads them back (stored lean: codes, rendered on read).
    engine = create_engine_for(f"sqlite:///{data / 'hub.db'}")
    try:
        with SqlAlchemyUnitOfWorkFactory(engine)() as uow:
            stored = uow.claims.get_by_record_ids("CN-MO", list(REJECTED))
            codes = {
                record: [check.code for check in claim.verdict.checks]
                for record, claim in stored.items()
            }
    finally:
        engine.dispose()
    for record, code in REJECTED.items():
        assert code in codes[record], (record, codes[record])
