"""``carbon-hub serve``: the hub as a long-running process, gRPC and HTTP."""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from hub.cli.ledger import ConfigFile, DatabaseUrl, DataDir, build_or_exit, build_settings
from hub.cli.refusals import refuse
from hub.observability.logs import configure_logging, event_fields, resolved_format
from hub.settings import HubSettings
from hub.storage.database import redacted_url

SIGNAL_POLL_SECONDS = 1.0

console = Console(stderr=True)
log = logging.getLogger("hub.serve")


class _Announcer:
    """serve's own lines on stderr: for a person (rich text) or, when the log
    is JSON lines, as log events, so a collector reading stderr meets no line
    that is not JSON."""

    def __init__(self, structured: bool) -> None:
        self.structured = structured

    def say(self, text: str, event: str, *, style: str = "", **fields: object) -> None:
        if self.structured:
            level = logging.WARNING if style else logging.INFO
            log.log(level, text, extra=event_fields(event, **fields))
        else:
            console.print(f"[{style}]{text}[/{style}]" if style else text, markup=bool(style))


GrpcPort = Annotated[int | None, typer.Option("--grpc-port", help="gRPC port (0: any free port)")]
GrpcHost = Annotated[str | None, typer.Option("--grpc-host", help="address to bind")]
Insecure = Annotated[
    bool | None,
    typer.Option(
        "--insecure/--secure",
        help="plaintext gRPC with NO authentication, on loopback only (development); "
        "default: mutual TLS with the hub PKI",
    ),
]
PkiDir = Annotated[
    Path | None, typer.Option("--pki-dir", help="the hub PKI (default: DATA_DIR/pki)")
]
HttpPort = Annotated[
    int | None,
    typer.Option("--http-port", help="HTTP port: disclosure and console (default 8080; 0: none)"),
]
HttpHost = Annotated[str | None, typer.Option("--http-host", help="HTTP address to bind")]
LogLevel = Annotated[
    str | None,
    typer.Option(
        "--log-level",
        help="debug, info (one line per call and request; the default), warning or error; "
        "also HUB_LOG_LEVEL",
    ),
]
Sandbox = Annotated[
    bool,
    typer.Option(
        "--sandbox",
        help="a sandbox for partners' conformance runs: its own ledger (DATA_DIR/sandbox, "
        "or a --database-url that is not the real one), its own PKI and the sandbox partner "
        "ZZ-SBX; gRPC on 50061 and no HTTP unless ports are given; nothing in it counts "
        "on the real hub",
    ),
]
SandboxPartnerKey = Annotated[
    Path | None,
    typer.Option(
        "--sandbox-partner-key",
        help="--sandbox: the partner's public signing key (signing.pub) to register for "
        "ZZ-SBX; default: the sandbox makes one in DATA_DIR/sandbox/partner",
        exists=True,
        dir_okay=False,
    ),
]
LogFormat = Annotated[
    str | None,
    typer.Option(
        "--log-format",
        help="json (one object per line), text, or auto (the default: text on a terminal, "
        "json otherwise); also HUB_LOG_FORMAT",
    ),
]


def serve(
    grpc_port: GrpcPort = None,
    grpc_host: GrpcHost = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    config: ConfigFile = None,
    insecure: Insecure = None,
    pki_dir: PkiDir = None,
    http_port: HttpPort = None,
    http_host: HttpHost = None,
    log_level: LogLevel = None,
    log_format: LogFormat = None,
    sandbox: Sandbox = False,
    sandbox_partner_key: SandboxPartnerKey = None,
) -> None:
    """Run the hub until interrupted (Ctrl-C or SIGTERM).

    Mutual TLS by default: every caller presents a certificate of the hub PKI
    (`carbon-hub pki init`, `carbon-hub pki issue`), which fixes its role.
    HTTP beside it: the public disclosure at / and /api/v1, the bureau
    console at /console (`carbon-hub bureau add-officer`).

    --sandbox runs a sandbox instead, apart from the real ledger, on which a
    partner proves its side of the contract (`carbon-hub-adapter conformance`)
    before the bureau registers its production key (hub/serving/sandbox.py).
    """
    from hub.grpc_api.server import ServeRefused, check_bind_allowed
    from hub.serving.gc_tuning import tune_for_serving

    settings = build_settings(
        grpc_port=grpc_port,
        grpc_host=grpc_host,
        data_dir=data_dir,
        # The sandbox's --database-url is its own; the real one comes from elsewhere.
        database_url=None if sandbox else database_url,
        config_file=config,
        insecure=insecure,
        pki_dir=pki_dir,
        http_port=http_port,
        http_host=http_host,
        log_level=log_level,
        log_format=log_format,
    )
    authority = None
    if sandbox:
        from hub.serving.sandbox import (
            prepare_sandbox_pki,
            prepare_sandbox_standard,
            sandbox_settings,
        )

        real, settings = settings, sandbox_settings(settings, database_url)
        # Before the bind check: the sandbox's PKI is made on its first start.
        prepare_sandbox_standard(real, settings)
        authority = prepare_sandbox_pki(settings, _server_hosts(settings.grpc_host))
    elif sandbox_partner_key is not None:
        from hub.serving.sandbox import SandboxRefused

        raise SandboxRefused(
            "SANDBOX_OPTION_WITHOUT_SANDBOX", "--sandbox-partner-key needs --sandbox", {}
        )
    configure_logging(settings.log_level, settings.log_format)
    say = _Announcer(resolved_format(settings.log_format) == "json").say
    try:
        check_bind_allowed(settings)
    except ServeRefused as refused:
        refuse(refused.code or "refused", str(refused))
    # Handlers first: a signal arriving once the port is announced must
    # still stop the hub gracefully.
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    if authority is not None:
        hub, partner = _sandbox_hub(settings, authority, sandbox_partner_key)
    else:
        hub, partner = build_or_exit(settings), None
    try:
        running = hub.serve()
    except ServeRefused as refused:
        hub.close()
        refuse(refused.code or "refused", str(refused))
    background = [t for t in (hub.periodic_issuer(), hub.periodic_checkpointer()) if t]
    for task in background:
        task.start()
    if settings.insecure:
        say(
            "WARNING: --insecure: plaintext gRPC and NO authentication: any "
            "local process may act as any partner, the exchange or the bureau. "
            "Development on loopback only.",
            "insecure",
            style="bold yellow",
        )
    transport = "PLAINTEXT" if settings.insecure else "mutual TLS"
    database = redacted_url(settings.resolved_database_url())
    say(
        f"carbon-hub {'SANDBOX ' if sandbox else ''}serving on {settings.grpc_host}:"
        f"{running.port} with {transport} "
        f"(database {database}, standard {hub.standard.version})",
        "start",
        grpc=f"{settings.grpc_host}:{running.port}",
        transport=transport,
        database=database,
        standard=hub.standard.version,
        sandbox=sandbox,
    )
    if partner is not None:
        _announce_sandbox(partner, say)
    # Machine-readable line for scripts and tests that start the hub on port 0.
    print(f"LISTENING {settings.grpc_host}:{running.port}", flush=True)
    http = _start_http(hub, settings, say)
    # Last, once everything serving needs is loaded: that heap is frozen.
    tune_for_serving(settings.gc_young_threshold)
    # Woken each second: a signal the kernel (or valgrind, which routes
    # signals to any thread) delivers to another thread only sets a flag; the
    # main thread runs the handler when it next runs Python, and a bare
    # wait() left the hub serving on after SIGTERM (seen under valgrind).
    while not stop.wait(SIGNAL_POLL_SECONDS):
        pass
    say("stopping", "stop")
    if http is not None:
        http.stop()
    for task in background:
        task.stop()
    running.stop()
    hub.close()


def _start_http(hub: Any, settings: HubSettings, say: Any) -> Any:
    """The HTTP side, or None when its port is 0. A port asked for (flag,
    environment, config) that cannot be bound stops the command; the default
    port being taken only leaves HTTP off, loudly."""
    from hub.http_api.app import create_app
    from hub.http_api.server import HttpStartFailed, is_loopback, start_http_server

    if settings.http_port == 0:
        return None
    try:
        http = start_http_server(create_app(hub, settings), settings.http_host, settings.http_port)
    except HttpStartFailed as failed:
        if "http_port" in settings.model_fields_set:
            console.print(f"[red]refused:[/red] {failed}")
            raise typer.Exit(2) from failed
        say(f"WARNING: no HTTP: {failed} (--http-port)", "no_http", style="bold yellow")
        return None
    if not is_loopback(settings.http_host) and not settings.session_cookie_secure:
        say(
            "WARNING: HTTP on a public address without HUB_SESSION_COOKIE_SECURE: "
            "put it behind a TLS proxy and set it",
            "cookie_not_secure",
            style="bold yellow",
        )
    say(
        f"disclosure {http.base_url}/ (API {http.base_url}/api/v1, "
        f"OpenAPI {http.base_url}/openapi.json), console {http.base_url}/console, "
        f"probes {http.base_url}/healthz /readyz, metrics {http.base_url}/metrics",
        "http_start",
        url=http.base_url,
    )
    print(f"HTTP {http.base_url}", flush=True)
    return http


def _sandbox_hub(
    settings: HubSettings, authority: Any, partner_key: Path | None
) -> tuple[Any, Any]:
    """The sandbox hub (hub/serving/sandbox.py) on its own ledger, with the sandbox
    partner's signing key registered."""
    from hub.serving.sandbox import (
        SANDBOX_OFFICER,
        SANDBOX_PARTNER,
        sandbox_partner,
        sandbox_partner_key,
    )

    public, signing_key = sandbox_partner_key(settings, partner_key)
    hub = build_or_exit(settings)
    try:
        key = hub.partner_keys.register(SANDBOX_PARTNER, public, SANDBOX_OFFICER)
    except BaseException:
        hub.close()
        raise
    return hub, sandbox_partner(authority, key.key_id, signing_key)


def _server_hosts(host: str) -> tuple[str, ...]:
    # The sandbox's server certificate names the address it binds (beside
    # localhost and the loopback addresses) unless that is a wildcard.
    return () if host in ("0.0.0.0", "::", "[::]") else (host,)


def _announce_sandbox(partner: Any, say: Any) -> None:
    """What the operator hands the partner, on stderr and as one line on stdout."""
    signing = f" signing key {partner.signing_key}" if partner.signing_key else ""
    say(
        f"SANDBOX: a ledger apart from the real one; nothing here counts. Sandbox partner "
        f"{partner.partner}: --ca {partner.ca} --cert {partner.certificate} "
        f"--key {partner.key} --hub-key {partner.hub_key}, registered key "
        f"{partner.key_id}{signing}",
        "sandbox",
        style="bold yellow",
        partner=partner.partner,
        ca=str(partner.ca),
        cert=str(partner.certificate),
        key=str(partner.key),
        hub_key=str(partner.hub_key),
        key_id=partner.key_id,
    )
    fields = [
        f"partner={partner.partner}",
        f"ca={partner.ca}",
        f"cert={partner.certificate}",
        f"key={partner.key}",
        f"hub_key={partner.hub_key}",
        f"key_id={partner.key_id}",
    ]
    if partner.signing_key:
        fields.append(f"signing_key={partner.signing_key}")
    # Machine-readable, like LISTENING: scripts and tests find the partner's files.
    print("SANDBOX " + " ".join(fields), flush=True)
