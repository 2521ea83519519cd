"""The refusals an operator meets, from real processes: one line on stderr
with its reason code, the right exit code, no traceback, no grpc core log line.

Exit codes: ``carbon-hub`` 2 for bad input or environment; the adapter 2 for
a TLS file or handshake that cannot work, 4 when a file of the delivery was
refused whole (the rest sent); the exchange client 5 for connection settings.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from carbonhub_contract.key_files import write_ed25519_keypair
from carbonhub_contract.signing import PublicKey
from hub.bootstrap import build_hub
from hub.domain.identity import Role
from hub.serving.serve_process import HubProcess, free_port
from hub.settings import HubSettings
from hub.trust.pki import init_authority
from hub.trust.tls import secure_channel

ROOT = Path(__file__).resolve().parents[2]
DELIVERY = ROOT / "adapters" / "guangdong" / "samples" / "GD-20241031-01"
PASSWORD = "pw-that-must-never-show"
# Text only grpc core writes (its C++ source files), and what a traceback or
# pydantic's dump would show.
NOISE = ("Traceback", ".cc:", "ssl_transport_security", "errors.pydantic.dev", PASSWORD)

pytestmark = pytest.mark.slow


def _environment(**extra: str) -> dict[str, str]:
    """The caller's environment without HUB_ settings and without grpc's log
    switches: the entry points must quiet grpc core themselves."""
    drop = ("HUB_", "GRPC_VERBOSITY", "GRPC_TRACE")
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith(drop)}
    env.update({"COLUMNS": "200", "HUB_HTTP_PORT": "0", **extra})
    return env


def _run(module: str, *args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", f"from {module} import main; main()", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env=_environment(**env),
        stdin=subprocess.DEVNULL,
    )


def _hub(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return _run("hub.cli.app", *args, cwd=cwd, **env)


def _one_line(done: subprocess.CompletedProcess[str], code: str, exit_code: int = 2) -> str:
    """The refusal's only line on stderr, after checking it and the exit code."""
    lines = done.stderr.strip().splitlines()
    assert done.returncode == exit_code, (done.returncode, done.stderr, done.stdout[-2000:])
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"{code}: "), done.stderr
    for noise in NOISE:
        assert noise not in done.stderr + done.stdout, noise
    return lines[0]


# -- serve on a taken port ---------------------------------------------------------


def test_a_second_hub_on_a_taken_grpc_port_refuses_to_start(tmp_path: Path) -> None:
    authority = init_authority(tmp_path / "pki")
    partner = authority.issue(Role.PARTNER, partner="CN-GD")
    first = HubProcess(
        "first", f"sqlite:///{tmp_path / 'a' / 'hub.db'}", tmp_path / "a", pki_dir=tmp_path / "pki"
    )
    address = first.start()
    try:
        port = address.rsplit(":", 1)[1]
        for host in ("127.0.0.1", "0.0.0.0", "::"):
            second = _hub(
                "serve",
                "--data-dir",
                str(tmp_path / "b"),
                "--pki-dir",
                str(tmp_path / "pki"),
                "--grpc-host",
                host,
                "--grpc-port",
                port,
                cwd=tmp_path,
            )
            line = _one_line(second, "PORT_IN_USE")
            assert f"port {port} on {host}" in line
            assert "LISTENING" not in second.stdout
        # The first hub still serves, and every connection reaches it.
        assert first.alive()
        channel = secure_channel(
            address,
            ca=authority.ca_certificate_path,
            cert=partner.certificate_path,
            key=partner.key_path,
        )
        with channel:
            health = health_pb2_grpc.HealthStub(channel)
            answer = health.Check(health_pb2.HealthCheckRequest(), timeout=10)
        assert answer.status == health_pb2.HealthCheckResponse.SERVING
    finally:
        first.stop()


def test_a_hub_key_that_is_no_key_is_named_before_serving(tmp_path: Path) -> None:
    init_authority(tmp_path / "pki")
    (tmp_path / "pki" / "hub.key").write_text("garbage\n", encoding="utf-8")
    done = _hub("serve", "--data-dir", str(tmp_path), "--grpc-port", "0", cwd=tmp_path)
    line = _one_line(done, "TLS_KEY_INVALID")
    assert f"the hub key {tmp_path / 'pki' / 'hub.key'}" in line


# -- databases ---------------------------------------------------------------------

LEDGER_COMMANDS = {
    "serve": ("serve", "--insecure", "--grpc-port", "0"),
    "issue": ("issue",),
    "reconcile": ("reconcile", "--partner", "CN-GD", "--wait", "0"),
    "bureau": ("bureau", "suspend-project", "--partner", "CN-GD", "--project", "P-1",
               "--reason", "r", "--officer", "o"),
    "keys": ("keys", "list"),
    "audit": ("audit", "verify"),
}  # fmt: skip


@pytest.mark.parametrize("command", list(LEDGER_COMMANDS), ids=list(LEDGER_COMMANDS))
def test_a_database_that_is_down_is_one_line_naming_it_without_its_password(
    command: str, tmp_path: Path
) -> None:
    url = f"postgresql://hub:{PASSWORD}@127.0.0.1:{free_port()}/ledger"
    done = _hub(*LEDGER_COMMANDS[command], "--database-url", url, cwd=tmp_path)
    line = _one_line(done, "DATABASE_UNAVAILABLE")
    assert "postgresql://hub:***@127.0.0.1:" in line


@pytest.mark.parametrize(
    ("url", "named"),
    [
        (f"mysql://hub:{PASSWORD}@127.0.0.1/ledger", "mysql://hub:***@127.0.0.1/ledger"),
        (PASSWORD, "the --database-url given"),
    ],
    ids=["mysql", "not-a-url"],
)
def test_a_database_the_hub_does_not_support_is_one_line(
    url: str, named: str, tmp_path: Path
) -> None:
    for command in ("serve", "bureau"):
        done = _hub(*LEDGER_COMMANDS[command], "--database-url", url, cwd=tmp_path)
        assert named in _one_line(done, "DATABASE_UNSUPPORTED")


def test_ledger_commands_on_a_folder_without_a_hub_database_make_none(tmp_path: Path) -> None:
    typo = tmp_path / "hub-dta"
    for command in ("issue", "bureau", "keys", "audit"):
        done = _hub(*LEDGER_COMMANDS[command], "--data-dir", str(typo), cwd=tmp_path)
        assert f"no hub database in {typo}" in _one_line(done, "LEDGER_NOT_FOUND")
    assert not typo.exists()
    # `pki init` makes the ledger where serve will use it: then they work.
    assert _hub("pki", "init", "--data-dir", str(typo), cwd=tmp_path).returncode == 0
    listed = _hub("keys", "list", "--data-dir", str(typo), cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr


# -- settings, config files, data folders ------------------------------------------


def test_settings_that_cannot_be_used_are_one_line_naming_them(tmp_path: Path) -> None:
    config = tmp_path / "hub.toml"
    config.write_text("grpc_port = 50051\ninsecure = = true\n", encoding="utf-8")
    malformed = _one_line(_hub("serve", "--config", str(config), cwd=tmp_path), "CONFIG_INVALID")
    assert str(config) in malformed and "line 2, column" in malformed

    wrong = _hub("issue", "--data-dir", str(tmp_path), cwd=tmp_path, HUB_GRPC_PORT="abc")
    line = _one_line(wrong, "SETTING_INVALID")
    assert "grpc_port" in line and "HUB_GRPC_PORT" in line and "'abc'" in line


def test_demo_in_a_data_dir_that_is_a_file_names_it(tmp_path: Path) -> None:
    afile = tmp_path / "afile"
    afile.write_text("not a folder", encoding="utf-8")
    done = _hub("demo", "--data-dir", str(afile), cwd=tmp_path)
    assert f"{afile}: it is a file" in _one_line(done, "DATA_DIR_INVALID")
    assert afile.read_text(encoding="utf-8") == "not a folder"


# -- clients: TLS, and a delivery partly refused --------------------------------------


@dataclass
class ServedHub:
    folder: Path
    address: str

    @property
    def pki(self) -> Path:
        return self.folder / "pki"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedHub]:
    """A hub with mutual TLS, CN-GD's certificate and registered signing key, a
    second CA (``other``) with a CN-GD and an exchange certificate of its own,
    and bundle.crt (both CAs)."""
    folder = tmp_path_factory.mktemp("served")
    authority = init_authority(folder / "pki")
    authority.issue(Role.PARTNER, partner="CN-GD")
    other = init_authority(folder / "other")
    other.issue(Role.PARTNER, partner="CN-GD")
    other.issue(Role.EXCHANGE)
    # Trusts the hub too, the other CA first: a client certificate of the other
    # CA passes every check of the files, and the hub refuses it.
    bundle = (folder / "other" / "ca.crt").read_bytes() + (folder / "pki" / "ca.crt").read_bytes()
    (folder / "bundle.crt").write_bytes(bundle)
    write_ed25519_keypair(folder / "signing.key", folder / "signing.pub")
    settings = HubSettings(data_dir=folder, pki_dir=folder / "pki")
    hub = build_hub(settings)
    try:
        raw = bytes(PublicKey.from_file(folder / "signing.pub").raw)
        hub.partner_keys.register("CN-GD", raw, "officer")
    finally:
        hub.close()
    process = HubProcess("tls", settings.resolved_database_url(), folder, pki_dir=folder / "pki")
    address = process.start()
    try:
        yield ServedHub(folder, address)
    finally:
        process.stop()


def _adapter(served: ServedHub, delivery: Path, ca: Path, cert: Path, key: Path, *more: str) -> Any:
    return _run(
        "adapters.cli",
        "guangdong",
        "--delivery",
        str(delivery),
        "--hub",
        served.address,
        "--signing-key",
        str(served.folder / "signing.key"),
        *more,
        "--ca",
        str(ca),
        "--cert",
        str(cert),
        "--key",
        str(key),
        "--connect-timeout",
        "30",
        cwd=served.folder,
    )


TLS_CASES = {
    # case: (ca, cert, key) relative to the served folder, code, text of the line
    "missing-key": (("pki/ca.crt", "pki/issued/CN-GD.crt", "none.key"),
                    "TLS_FILE_UNREADABLE", "cannot read --key"),
    "not-a-key": (("pki/ca.crt", "pki/issued/CN-GD.crt", "pki/ca.crt"),
                  "TLS_KEY_INVALID", "is not an unencrypted PEM private key"),
    "key-of-another-cert": (("pki/ca.crt", "pki/issued/CN-GD.crt", "other/issued/CN-GD.key"),
                            "TLS_KEY_MISMATCH", "is not the key of --cert"),
    "cert-of-another-ca": (("pki/ca.crt", "other/issued/CN-GD.crt", "other/issued/CN-GD.key"),
                           "TLS_CERT_INVALID", "was not issued by the CA of --ca"),
    "hub-not-signed-by-ca": (("other/ca.crt", "other/issued/CN-GD.crt", "other/issued/CN-GD.key"),
                             "TLS_HANDSHAKE_FAILED", "does not trust"),
    "client-cert-refused": (("bundle.crt", "other/issued/CN-GD.crt", "other/issued/CN-GD.key"),
                            "TLS_HANDSHAKE_FAILED", "did not accept --cert"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(TLS_CASES), ids=list(TLS_CASES))
def test_an_adapter_tls_failure_is_one_line_saying_which(served: ServedHub, case: str) -> None:
    files, code, text = TLS_CASES[case]
    ca, cert, key = (served.folder / name for name in files)
    done = _adapter(served, DELIVERY, ca, cert, key)
    assert text in _one_line(done, code)
    assert "unreachable" not in done.stdout


@pytest.mark.parametrize("flag", ["--signing-key", "--hub-key"])
def test_an_adapter_key_file_that_is_no_key_is_one_line(served: ServedHub, flag: str) -> None:
    pki = served.pki
    public = str(served.folder / "signing.pub")  # a public key where a private one goes
    wrong = str(pki / "ca.crt")  # a certificate, not an Ed25519 key
    key = public if flag == "--signing-key" else wrong
    cert = pki / "issued/CN-GD.crt"
    done = _adapter(served, DELIVERY, pki / "ca.crt", cert, pki / "issued/CN-GD.key", flag, key)
    line = _one_line(done, "KEY_FILE_INVALID")
    assert f"{flag} {key} is not a readable Ed25519 key file" in line


def test_an_exchange_client_tls_failure_is_one_line(served: ServedHub) -> None:
    other = served.folder / "other"
    done = _hub(
        "exchange-client",
        "--hub",
        served.address,
        "--state",
        str(served.folder / "exchange.json"),
        "--ca",
        str(other / "ca.crt"),
        "--cert",
        str(other / "issued" / "exchange.crt"),
        "--key",
        str(other / "issued" / "exchange.key"),
        "--connect-timeout",
        "30",
        cwd=served.folder,
    )
    assert "does not trust" in _one_line(done, "TLS_HANDSHAKE_FAILED", exit_code=5)


def test_a_delivery_with_a_file_refused_whole_exits_4_and_reports_the_rest(
    served: ServedHub, tmp_path: Path
) -> None:
    delivery = tmp_path / DELIVERY.name
    shutil.copytree(DELIVERY, delivery)
    manifest = delivery / "manifest.json"
    text = manifest.read_text(encoding="utf-8")
    digest = text.split('"reductions.csv": "')[1].split('"')[0]
    manifest.write_text(text.replace(digest, "0" * 64), encoding="utf-8")
    pki = served.pki
    done = _adapter(
        served, delivery, pki / "ca.crt", pki / "issued/CN-GD.crt", pki / "issued/CN-GD.key"
    )
    assert done.returncode == 4, done.stdout[-3000:] + done.stderr
    assert "FILE_DIGEST_MISMATCH" in done.stdout
    assert "reductions.csv refused whole" in done.stdout
    assert "projects accepted" in done.stdout  # projects.csv went all the same
    for noise in NOISE:
        assert noise not in done.stdout + done.stderr


def test_refused_rows_alone_keep_exit_0(served: ServedHub) -> None:
    pki = served.pki
    done = _adapter(
        served, DELIVERY, pki / "ca.crt", pki / "issued/CN-GD.crt", pki / "issued/CN-GD.key"
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    assert "rows not accepted" in done.stdout  # the sample has refused rows
