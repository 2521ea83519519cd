"""The partner kit installed alone, as a partner installs it: the contract and
the kit into a fresh environment (``pip install proto/ adapters/``), run from a
folder outside the repository, delivering a sample to a real hub over mutual
TLS. It brings none of the server's libraries, imports nothing of the hub, and
its offline ``--check`` says what it lacks instead of failing.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from carbonhub_contract.key_files import write_ed25519_keypair
from carbonhub_contract.signing import PublicKey
from hub.bootstrap import build_hub
from hub.domain.identity import Role
from hub.serving.serve_process import HubProcess
from hub.settings import HubSettings
from hub.trust.pki import init_authority

ROOT = Path(__file__).resolve().parents[2]
DELIVERY = ROOT / "adapters" / "guangdong" / "samples" / "GD-20241031-01"
SERVER_LIBRARIES = ("fastapi", "sqlalchemy", "alembic", "uvicorn", "starlette", "psycopg")

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Kit:
    venv: Path
    outside: Path  # a working folder outside the repository

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.upper().startswith("HUB_")}
        env.pop("PYTHONPATH", None)
        return subprocess.run(
            [str(self.venv / "bin" / args[0]), *args[1:]],
            cwd=self.outside,
            capture_output=True,
            text=True,
            timeout=300,
            env={**env, "COLUMNS": "200"},
            stdin=subprocess.DEVNULL,
        )


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> Kit:
    folder = tmp_path_factory.mktemp("partner-kit")
    # Installed from copies: setuptools builds in the source folder, and the
    # repository must not gain build/ folders from a test.
    skip = shutil.ignore_patterns("build", "*.egg-info", "__pycache__")
    for distribution in ("proto", "adapters"):
        shutil.copytree(ROOT / distribution, folder / "src" / distribution, ignore=skip)
    venv = folder / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    installed = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "-q", "src/proto", "src/adapters"],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=folder,
    )
    assert installed.returncode == 0, installed.stderr[-3000:]
    outside = folder / "work"
    outside.mkdir()
    return Kit(venv, outside)


def test_the_kit_brings_no_server_library_and_no_hub(kit: Kit) -> None:
    absent = (*SERVER_LIBRARIES, "hub", "carbonhub_tools")
    program = (
        "import importlib.util as u\n"
        f"found = [m for m in {absent!r} if u.find_spec(m)]\n"
        "import adapters, carbonhub_contract\n"
        "print(found, adapters.__file__, carbonhub_contract.__file__)\n"
    )
    done = kit.run("python", "-c", program)
    assert done.returncode == 0, done.stderr
    found, adapters_file, contract_file = done.stdout.rsplit(" ", 2)
    assert found == "[]"
    # The installed copies, not the repository's sources.
    assert str(kit.venv) in adapters_file and str(kit.venv) in contract_file.strip()


@dataclass(frozen=True)
class Served:
    folder: Path
    address: str


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A real hub with mutual TLS, CN-GD's certificate and its registered signing key."""
    folder = tmp_path_factory.mktemp("hub")
    authority = init_authority(folder / "pki")
    authority.issue(Role.PARTNER, partner="CN-GD")
    write_ed25519_keypair(folder / "signing.key", folder / "signing.pub")
    settings = HubSettings(data_dir=folder, pki_dir=folder / "pki")
    hub = build_hub(settings)
    try:
        hub.partner_keys.register(
            "CN-GD", PublicKey.from_file(folder / "signing.pub").raw, "officer"
        )
    finally:
        hub.close()
    # Checkpoints (and so tree heads) every half second: the proof test waits for one.
    process = HubProcess(
        "kit",
        settings.resolved_database_url(),
        folder,
        pki_dir=folder / "pki",
        env={"HUB_AUDIT_CHECKPOINT_INTERVAL": "0.5"},
    )
    address = process.start()
    try:
        yield Served(folder, address)
    finally:
        process.stop()


def test_the_kit_alone_delivers_a_sample_to_a_real_hub_and_checks_its_receipts(
    kit: Kit, served: Served
) -> None:
    pki = served.folder / "pki"
    receipts = kit.outside / "receipts.jsonl"
    done = kit.run(
        "carbon-hub-adapter",
        "guangdong",
        "--delivery", str(DELIVERY),
        "--hub", served.address,
        "--ca", str(pki / "ca.crt"),
        "--cert", str(pki / "issued" / "CN-GD.crt"),
        "--key", str(pki / "issued" / "CN-GD.key"),
        "--signing-key", str(served.folder / "signing.key"),
        "--hub-key", str(pki / "hub-signing.pub"),
        "--receipts", str(receipts),
        "--connect-timeout", "30",
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert "projects accepted" in done.stdout
    # Every verdict came back signed by the hub and was checked with its key.
    kept = receipts.read_text(encoding="utf-8").splitlines()
    assert kept, "no receipt kept"


def test_the_kit_alone_proves_a_delivered_claims_decision_in_the_signed_log(
    kit: Kit, served: Served
) -> None:
    """After the delivery above: the kit, with nothing of the hub installed,
    fetches over mutual TLS and checks the inclusion proof of a claim it sent
    (the decision its kept receipt reported), then, a later run, that the log
    only grew since the tree head it kept."""
    receipts = kit.outside / "receipts.jsonl"
    if not receipts.exists():
        test_the_kit_alone_delivers_a_sample_to_a_real_hub_and_checks_its_receipts(kit, served)
    statement = json.loads(
        base64.b64decode(json.loads(receipts.read_text().splitlines()[0])["statement"])
    )
    claim_id = next(v["claim_id"] for v in statement["verdicts"] if v["claim_id"])
    pki = served.folder / "pki"
    head_file = kit.outside / "tree-head.json"
    proof = (
        "carbon-hub-adapter", "proof", "guangdong",
        "--hub", served.address,
        "--ca", str(pki / "ca.crt"),
        "--cert", str(pki / "issued" / "CN-GD.crt"),
        "--key", str(pki / "issued" / "CN-GD.key"),
        "--hub-key", str(pki / "hub-signing.pub"),
        "--claim", claim_id,
        "--receipts", str(receipts),
        "--keep-tree-head", str(head_file),
        "--json",
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while True:  # a tree head covers the claim within a checkpoint interval
        done = kit.run(*proof)
        document = json.loads(done.stdout)
        if done.returncode != 2 or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert done.returncode == 0, done.stdout + done.stderr
    assert document["verified"] is True and document["decision_from"] == "receipts"
    assert document["claim_id"] == claim_id and head_file.exists()
    again = kit.run(*proof)
    assert again.returncode == 0, again.stdout + again.stderr
    assert json.loads(again.stdout)["consistent_with"] == document["tree_size"]


def test_the_offline_check_without_the_standard_says_what_it_lacks(kit: Kit) -> None:
    done = kit.run("carbon-hub-adapter", "guangdong", "--delivery", str(DELIVERY), "--check")
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2, done.stdout + done.stderr
    assert len(lines) == 1 and lines[0].startswith("OFFLINE_CHECK_UNAVAILABLE: "), done.stderr
    assert "sandbox" in lines[0]
