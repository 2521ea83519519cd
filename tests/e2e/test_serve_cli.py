"""``carbon-hub serve`` as an operator runs it: a real OS process on a loopback port.

What is checked is what ``grpcurl`` and a load balancer see: health checking,
server reflection (listing and resolving the partner service's descriptor),
a clean stop on SIGTERM, settings from flags, environment and a TOML file,
mutual TLS with a PKI (and only with a client certificate of it), and the
refusals an operator meets (no PKI without --insecure, --insecure on a
non-loopback address, a broken standard).
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from google.protobuf.descriptor_pool import DescriptorPool
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)

from hub.domain.identity import Role
from hub.trust.pki import init_authority
from hub.trust.tls import secure_channel

ROOT = Path(__file__).resolve().parents[2]
PARTNER_SERVICE = "carbonhub.v1.PartnerService"
START_TIMEOUT = 60.0  # import, migrate and bind
STOP_TIMEOUT = 10.0  # the server's grace is 2 s
RPC_TIMEOUT = 10.0
REFUSED_TIMEOUT = 5.0  # a refused handshake must fail the call, not hang the suite

pytestmark = pytest.mark.slow


def _environment(**extra: str) -> dict[str, str]:
    """The caller's environment without HUB_ settings, wide enough that messages are not wrapped."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("HUB_")}
    env["COLUMNS"] = "400"
    # No HTTP side unless a test asks: hubs of parallel tests would race for 8080.
    env["HUB_HTTP_PORT"] = "0"
    env.update(extra)
    return env


def _command(*args: str) -> list[str]:
    return [sys.executable, "-c", "from hub.cli.app import main; main()", "serve", *args]


@dataclass
class Hub:
    process: subprocess.Popen[str]
    address: str  # host:port of the LISTENING line
    stderr_path: Path

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.kill()
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=STOP_TIMEOUT)


@contextmanager
def running_hub(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> Iterator[Hub]:
    """Start ``serve`` and wait for its LISTENING line; always kill it on the way out."""
    stderr_path = tmp_path / f"serve-{time.monotonic_ns()}.stderr"
    with stderr_path.open("w", encoding="utf-8") as stderr:
        process = subprocess.Popen(
            _command(*args),
            cwd=ROOT,
            env=env if env is not None else _environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    try:
        lines: queue.Queue[str | None] = queue.Queue()

        def pump() -> None:
            assert process.stdout is not None
            for line in process.stdout:
                lines.put(line)
            lines.put(None)

        threading.Thread(target=pump, daemon=True).start()
        deadline = time.monotonic() + START_TIMEOUT
        address = None
        while address is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"no LISTENING line in {START_TIMEOUT} s: {_read(stderr_path)}"
                )
            try:
                line = lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError(
                    f"serve exited ({process.wait(timeout=STOP_TIMEOUT)}) before listening: "
                    f"{_read(stderr_path)}"
                )
            match = re.fullmatch(r"LISTENING (\S+:\d+)", line.strip())
            if match:
                address = match.group(1)
        yield Hub(process, address, stderr_path)
    finally:
        _stop(process)


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


def _run_to_exit(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``serve`` expecting it to refuse; bounded, killed by run() on timeout."""
    return subprocess.run(
        _command(*args),
        cwd=ROOT,
        env=env if env is not None else _environment(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT,
    )


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _port(address: str) -> int:
    return int(address.rsplit(":", 1)[1])


def _health(address: str, service: str) -> int:
    with grpc.insecure_channel(address) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        response = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=RPC_TIMEOUT)
        return int(response.status)


def _listed_services(address: str) -> set[str]:
    with grpc.insecure_channel(address) as channel:
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        request = reflection_pb2.ServerReflectionRequest(list_services="")
        (response,) = list(stub.ServerReflectionInfo(iter([request]), timeout=RPC_TIMEOUT))
        return {service.name for service in response.list_services_response.service}


def _assert_serving(address: str) -> None:
    serving = health_pb2.HealthCheckResponse.SERVING
    assert _health(address, "") == serving
    assert _health(address, PARTNER_SERVICE) == serving


def _refused(channel: grpc.Channel) -> grpc.StatusCode:
    """The status of a health check expected to fail on ``channel``."""
    with pytest.raises(grpc.RpcError) as error:
        health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(), timeout=REFUSED_TIMEOUT
        )
    code: grpc.StatusCode = error.value.code()
    return code


def _stop_with_sigterm(hub: Hub) -> None:
    started = time.monotonic()
    hub.process.send_signal(signal.SIGTERM)
    code = hub.process.wait(timeout=STOP_TIMEOUT)
    assert code == 0, hub.stderr()
    assert time.monotonic() - started < STOP_TIMEOUT


# --- A running hub ------------------------------------------------------------------


def test_serve_answers_health_and_reflection_and_stops_on_sigterm(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with running_hub(
        tmp_path, "--insecure", "--grpc-port", "0", "--data-dir", str(data_dir)
    ) as hub:
        host, port = hub.address.rsplit(":", 1)
        assert host == "127.0.0.1"
        assert int(port) > 0

        _assert_serving(hub.address)
        with grpc.insecure_channel(hub.address) as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            with pytest.raises(grpc.RpcError) as unknown:
                stub.Check(
                    health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=RPC_TIMEOUT
                )
            assert unknown.value.code() is grpc.StatusCode.NOT_FOUND

        assert PARTNER_SERVICE in _listed_services(hub.address)

        # What `grpcurl describe` does: fetch the file declaring the service and
        # every file it imports, and build the descriptors from them.
        with grpc.insecure_channel(hub.address) as channel:
            pool = DescriptorPool(ProtoReflectionDescriptorDatabase(channel))
            service = pool.FindServiceByName(PARTNER_SERVICE)
            assert service.full_name == PARTNER_SERVICE
            assert service.methods, "the partner service declares no methods"
            for method in service.methods:
                assert method.input_type.full_name
                assert method.output_type.full_name

        # The embedded database lives in the data dir given on the command line.
        assert any(data_dir.iterdir())

        _stop_with_sigterm(hub)
        assert "Traceback" not in hub.stderr()


def test_settings_from_the_environment_are_honoured(tmp_path: Path) -> None:
    data_dir = tmp_path / "env-data"
    env = _environment(HUB_GRPC_PORT="0", HUB_INSECURE="true", HUB_DATA_DIR=str(data_dir))
    with running_hub(tmp_path, env=env) as hub:
        assert _port(hub.address) != 50051
        _assert_serving(hub.address)
        assert data_dir.is_dir() and any(data_dir.iterdir())
        _stop_with_sigterm(hub)


def test_settings_from_a_toml_config_file_are_honoured(tmp_path: Path) -> None:
    data_dir = tmp_path / "toml-data"
    config = tmp_path / "hub.toml"
    config.write_text(
        f'grpc_port = 0\ninsecure = true\ngrpc_host = "127.0.0.1"\n'
        f'data_dir = "{data_dir.as_posix()}"\n',
        encoding="utf-8",
    )
    with running_hub(tmp_path, "--config", str(config)) as hub:
        assert _port(hub.address) != 50051
        _assert_serving(hub.address)
        assert data_dir.is_dir() and any(data_dir.iterdir())
        _stop_with_sigterm(hub)


def test_flags_override_the_environment(tmp_path: Path) -> None:
    flag_dir = tmp_path / "flag-data"
    env_dir = tmp_path / "env-data"
    # The environment asks for a fixed (privileged) port; the flag's 0 must win.
    env = _environment(HUB_GRPC_PORT="1", HUB_INSECURE="true", HUB_DATA_DIR=str(env_dir))
    with running_hub(tmp_path, "--grpc-port", "0", "--data-dir", str(flag_dir), env=env) as hub:
        assert _port(hub.address) != 1
        _assert_serving(hub.address)
        assert any(flag_dir.iterdir())
        assert not env_dir.exists()
        _stop_with_sigterm(hub)


def test_serve_with_a_pki_answers_over_mutual_tls_only(tmp_path: Path) -> None:
    authority = init_authority(tmp_path / "pki")
    partner = authority.issue(Role.PARTNER, partner="CN-GD")
    with running_hub(
        tmp_path,
        "--grpc-port",
        "0",
        "--data-dir",
        str(tmp_path / "data"),
        "--pki-dir",
        str(authority.pki_dir),
    ) as hub:
        serving = health_pb2.HealthCheckResponse.SERVING
        with secure_channel(
            hub.address,
            ca=authority.ca_certificate_path,
            cert=partner.certificate_path,
            key=partner.key_path,
        ) as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            for service in ("", PARTNER_SERVICE):
                request = health_pb2.HealthCheckRequest(service=service)
                assert stub.Check(request, timeout=RPC_TIMEOUT).status == serving

        # Plaintext gets no answer at all from a TLS port.
        with grpc.insecure_channel(hub.address) as channel:
            assert _refused(channel) is grpc.StatusCode.UNAVAILABLE
        # TLS that trusts the hub but presents no client certificate is
        # refused in the handshake (require_client_auth).
        server_only = grpc.ssl_channel_credentials(
            root_certificates=authority.ca_certificate_path.read_bytes()
        )
        with grpc.secure_channel(hub.address, server_only) as channel:
            assert _refused(channel) is grpc.StatusCode.UNAVAILABLE

        _stop_with_sigterm(hub)
        assert "mutual TLS" in _one_line(hub.stderr())
        assert "Traceback" not in hub.stderr()


# --- Refusals -----------------------------------------------------------------------


def test_sigterm_right_after_the_listening_line_stops_gracefully(tmp_path: Path) -> None:
    # The signal handlers must be in place before the port is announced.
    for attempt in range(5):
        with running_hub(
            tmp_path, "--insecure", "--grpc-port", "0", "--data-dir", str(tmp_path / f"d{attempt}")
        ) as hub:
            _stop_with_sigterm(hub)


def test_serve_without_insecure_needs_the_pki(tmp_path: Path) -> None:
    result = _run_to_exit("--grpc-port", "0", "--data-dir", str(tmp_path / "data"))

    assert result.returncode == 2
    message = _one_line(result.stderr + result.stdout)
    assert "carbon-hub pki init" in message
    assert str(tmp_path / "data" / "pki") in message  # where it looked
    assert "--insecure" in message  # the development alternative is named too
    assert "LISTENING" not in result.stdout
    # Refused before anything was built: no database was created.
    assert not (tmp_path / "data").exists()


def test_insecure_on_a_non_loopback_address_is_refused(tmp_path: Path) -> None:
    result = _run_to_exit(
        "--insecure",
        "--grpc-host",
        "0.0.0.0",
        "--grpc-port",
        "0",
        "--data-dir",
        str(tmp_path / "data"),
    )

    assert result.returncode != 0
    message = _one_line(result.stderr + result.stdout)
    assert "loopback" in message
    assert "0.0.0.0" in message
    assert "LISTENING" not in result.stdout
    # Refused before anything was built: no database was created.
    assert not (tmp_path / "data").exists()


def test_an_invalid_port_is_refused_with_the_setting_named(tmp_path: Path) -> None:
    result = _run_to_exit("--insecure", "--grpc-port", "70000", "--data-dir", str(tmp_path))

    assert result.returncode == 2
    assert "grpc_port" in _one_line(result.stderr)


def test_a_missing_config_file_is_refused(tmp_path: Path) -> None:
    missing = tmp_path / "absent.toml"

    result = _run_to_exit("--insecure", "--grpc-port", "0", "--config", str(missing))

    assert result.returncode != 0
    assert "absent.toml" in _one_line(result.stderr + result.stdout)
    assert "LISTENING" not in result.stdout


def test_a_broken_standard_stops_the_hub_naming_the_file(tmp_path: Path) -> None:
    standards = tmp_path / "standards"
    shutil.copytree(ROOT / "standards", standards)
    broken = standards / "methodologies.yaml"
    broken.write_text(broken.read_text(encoding="utf-8") + "\n  - [unclosed: {\n", encoding="utf-8")
    env = _environment(HUB_STANDARDS_DIR=str(standards))

    result = _run_to_exit(
        "--insecure", "--grpc-port", "0", "--data-dir", str(tmp_path / "data"), env=env
    )

    assert result.returncode == 2, result.stderr
    assert "methodologies.yaml" in _one_line(result.stderr + result.stdout)
    assert "LISTENING" not in result.stdout
