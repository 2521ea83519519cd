"""``carbon-hub exchange-client``: run the reference Shenzhen exchange against a hub.

The hub is reached over mutual TLS with the exchange's certificate of the hub
PKI (--cert, --key) and the hub CA (--ca), or in plaintext with --insecure,
which only a development hub on loopback accepts. With --hub-key, every block
must carry a hub receipt that verifies (receipts.py) to be applied.

Exit codes: 0 done (or stopped by Ctrl-C / SIGTERM), 1 a reconciliation came
back inconsistent, 2 the state file is unreadable, 3 the hub was unreachable,
4 a block's receipt failed verification (that block was not applied; 4 wins
over 1), 5 the connection settings were refused (neither TLS files nor
--insecure, --insecure to a hub not on loopback, an unreadable or mismatched
certificate, key or hub key file, a TLS handshake the hub or this client
refused: one coded line, e.g. TLS_KEY_INVALID or TLS_HANDSHAKE_FAILED).
"""

from __future__ import annotations

import ipaddress
import signal
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import grpc
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from carbonhub_contract.tls import (
    ClientTlsError,
    HubUnreachable,
    diagnose_handshake,
    load_client_tls,
    wait_ready,
)
from hub.exchange_client.client import ExchangeClient
from hub.exchange_client.connection import CALL_TIMEOUT, STREAM_TIMEOUT, ExchangeUnavailable
from hub.exchange_client.receipts import HubKey, HubKeyError
from hub.exchange_client.reconciliation import ReconciliationOutcome
from hub.exchange_client.retirement_requests import RetirementOutcome
from hub.exchange_client.state import BlockStatus, ExchangeState, RetirementStatus, StateFileError
from hub.exchange_client.sync_summary import ReceiptRefusal, SyncSummary

EXIT_INCONSISTENT = 1
EXIT_STATE = 2
EXIT_HUB = 3
EXIT_RECEIPT = 4
EXIT_SETTINGS = 5

_LOOPBACK_NAMES = frozenset({"localhost"})


class ConnectionSettingsError(ValueError):
    """The connection flags cannot work; the message says what to give instead."""


def is_loopback(address: str) -> bool:
    """True when ``address`` (HOST:PORT, [V6]:PORT or a bare host) names this machine."""
    host = address
    if host.startswith("["):
        host = host[1:].partition("]")[0]
    elif host.count(":") == 1:
        host = host.rpartition(":")[0]
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        # A name other than localhost may resolve anywhere: not loopback.
        return False


def open_channel(
    hub: str,
    *,
    cert: Path | None = None,
    key: Path | None = None,
    ca: Path | None = None,
    insecure: bool = False,
) -> grpc.Channel:
    """A mutual-TLS channel to ``hub``, or with ``insecure`` a plaintext one to a
    loopback hub; ConnectionSettingsError for any other combination."""
    given = [flag for flag, path in (("--cert", cert), ("--key", key), ("--ca", ca)) if path]
    if insecure:
        if given:
            raise ConnectionSettingsError(
                f"--insecure is plaintext: leave out {', '.join(given)}, or drop --insecure"
            )
        if not is_loopback(hub):
            raise ConnectionSettingsError(
                f"--insecure talks plaintext and is for a development hub on loopback only, "
                f"not {hub}; use --cert, --key and --ca"
            )
        return grpc.insecure_channel(hub)
    if cert is None or key is None or ca is None:
        missing = [flag for flag in ("--cert", "--key", "--ca") if flag not in given]
        raise ConnectionSettingsError(
            f"the hub requires mutual TLS and {', '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} missing: give --cert and --key (the "
            "exchange's certificate of the hub PKI, `carbon-hub pki issue --role exchange` "
            "writes issued/<name>.crt and .key) and --ca (the hub CA, ca.crt); "
            "or --insecure for a plaintext development hub on loopback"
        )
    # Each file checked now, so a wrong one is named (ClientTlsError) rather
    # than surfacing as a TLS handshake that never completes.
    return grpc.secure_channel(hub, load_client_tls(ca, cert, key).credentials())


def exchange_client_command(
    hub: Annotated[str, typer.Option("--hub", help="the hub's gRPC address, HOST:PORT")],
    state: Annotated[
        Path, typer.Option("--state", help="the exchange's state file (created when missing)")
    ],
    follow: Annotated[
        bool, typer.Option("--follow/--no-follow", help="keep the stream open for new blocks")
    ] = False,
    retire: Annotated[
        bool, typer.Option("--retire/--no-retire", help="retire blocks by the reference policy")
    ] = True,
    reconcile: Annotated[
        bool,
        typer.Option("--reconcile/--no-reconcile", help="answer reconciliations the hub requested"),
    ] = True,
    start_reconciliation: Annotated[
        bool, typer.Option("--start-reconciliation", help="start one when none is requested")
    ] = False,
    connect_timeout: Annotated[
        float, typer.Option("--connect-timeout", min=0.1, help="seconds to wait for the hub")
    ] = 10.0,
    cert: Annotated[
        Path | None,
        typer.Option(
            "--cert",
            help="the exchange's client certificate of the hub PKI (PEM; issued/<name>.crt "
            "of `carbon-hub pki issue --role exchange`)",
        ),
    ] = None,
    key: Annotated[
        Path | None,
        typer.Option("--key", help="the private key of --cert (PEM; issued/<name>.key)"),
    ] = None,
    ca: Annotated[
        Path | None,
        typer.Option("--ca", help="the hub CA certificate (PEM; ca.crt of the hub PKI)"),
    ] = None,
    insecure: Annotated[
        bool,
        typer.Option(
            "--insecure",
            help="plaintext gRPC to a development hub on loopback only, instead of mutual TLS "
            "(--cert, --key, --ca); with neither, or --insecure off loopback, exit 5",
        ),
    ] = False,
    hub_key: Annotated[
        Path | None,
        typer.Option(
            "--hub-key",
            help="the hub's receipt signing key (hub-signing.pub of the hub PKI): every block "
            "must carry a receipt that verifies under it, or it is not applied and the run "
            "exits 4",
        ),
    ] = None,
    call_timeout: Annotated[
        float,
        typer.Option("--call-timeout", min=0.1, help="deadline in seconds of each unary call"),
    ] = CALL_TIMEOUT,
    stream_timeout: Annotated[
        float,
        typer.Option(
            "--stream-timeout",
            min=1.0,
            help="deadline in seconds of the block stream; it is reopened from the cursor then",
        ),
    ] = STREAM_TIMEOUT,
) -> None:
    """Play the Shenzhen exchange: hold, acknowledge, retire and reconcile the hub's blocks.

    Mutual TLS with --cert, --key and --ca, or --insecure for a plaintext
    development hub on loopback. Exit codes: 0 done (or stopped by Ctrl-C /
    SIGTERM); 1 a reconciliation came back inconsistent; 2 the state file is
    unreadable; 3 the hub was unreachable; 4 a block's receipt failed
    verification under --hub-key (not applied; wins over 1); 5 connection
    settings refused (TLS flags missing or unreadable, a TLS handshake refused,
    --insecure off loopback, unreadable --hub-key).
    """
    console = Console()
    try:
        verifying_key = HubKey.from_file(hub_key) if hub_key is not None else None
        channel = open_channel(hub, cert=cert, key=key, ca=ca, insecure=insecure)
    except ClientTlsError as problem:
        print_refusal(problem.code, problem.message)
        raise typer.Exit(EXIT_SETTINGS) from problem
    except (ConnectionSettingsError, HubKeyError) as problem:
        console.print(f"[red]{escape(str(problem))}[/]")
        raise typer.Exit(EXIT_SETTINGS) from problem
    if insecure:
        console.print("[yellow]plaintext gRPC (--insecure): a development hub on loopback only[/]")
    if verifying_key is None:
        # Kept in the state file all the same, so they can be checked later.
        console.print("[yellow]block receipts not verified (no --hub-key)[/]")
    previous_sigterm = signal.getsignal(signal.SIGTERM)
    try:
        try:
            wait_ready(channel, hub, connect_timeout, _diagnosis(hub, cert, key, ca, insecure))
        except ClientTlsError as problem:
            print_refusal(problem.code, problem.message)
            raise typer.Exit(EXIT_SETTINGS) from None
        except HubUnreachable as unreachable:
            console.print(f"[red]{escape(str(unreachable))}[/]")
            raise typer.Exit(EXIT_HUB) from None

        def on_refused(refusal: ReceiptRefusal) -> None:
            render_refusal(refusal, console)

        try:
            client = ExchangeClient(
                channel,
                state,
                hub_key=verifying_key,
                call_timeout=call_timeout,
                stream_timeout=stream_timeout,
                on_refused=on_refused,
            )
        except StateFileError as problem:
            console.print(f"[red]{state}: {problem}[/]")
            raise typer.Exit(EXIT_STATE) from problem
        # SIGTERM stops like Ctrl-C: after the event in hand, state file consistent.
        signal.signal(signal.SIGTERM, lambda *_: client.stop())
        reconciled: list[ReconciliationOutcome] = []

        def on_reconciled(outcomes: list[ReconciliationOutcome]) -> None:
            reconciled.extend(outcomes)
            render_reconciliations(outcomes, console)

        try:
            summary = client.run(
                follow=follow,
                retire=retire,
                reconcile=reconcile,
                start_reconciliation=start_reconciliation,
                on_retired=lambda outcomes: render_retirements(outcomes, console),
                on_reconciled=on_reconciled,
            )
        except ExchangeUnavailable as problem:
            console.print(f"[red]hub {hub} unavailable: {problem}[/]")
            render_state(client.state, None, console)
            raise typer.Exit(EXIT_HUB) from problem
        except grpc.RpcError as problem:
            console.print(f"[red]hub {hub}: {problem.code().name}: {problem.details()}[/]")
            raise typer.Exit(EXIT_HUB) from problem
        render_state(client.state, summary, console, receipt_refusals=len(client.refusals))
        if client.refusals:
            # Integrity before consistency: a forged or altered block matters more.
            console.print(
                f"[red]{len(client.refusals)} block(s) refused: their receipts did not verify "
                "under --hub-key; not applied, fetched again by the next run[/]"
            )
            raise typer.Exit(EXIT_RECEIPT)
        if any(o.status == "INCONSISTENT" for o in reconciled):
            raise typer.Exit(EXIT_INCONSISTENT)
    finally:
        # Restored so an embedding process (tests, a supervisor) keeps its own
        # handler; None means one not set from Python, which cannot be put back.
        if previous_sigterm is not None:
            signal.signal(signal.SIGTERM, previous_sigterm)
        channel.close()


def print_refusal(code: str, message: str) -> None:
    """One coded line on stderr: what a script greps, what an operator reads."""
    print(f"{code}: {message}", file=sys.stderr, flush=True)


def _diagnosis(
    hub: str, cert: Path | None, key: Path | None, ca: Path | None, insecure: bool
) -> Callable[[], ClientTlsError | None] | None:
    """What explains a channel that is not ready: a TLS fault, if TLS is used."""
    if insecure or cert is None or key is None or ca is None:
        return None
    files = load_client_tls(ca, cert, key)
    return lambda: diagnose_handshake(hub, files)


def render_refusal(refusal: ReceiptRefusal, console: Console) -> None:
    console.print(
        f"[red]block {escape(refusal.block_id)} refused ({escape(refusal.source)}): "
        f"{refusal.problem}; not applied[/]"
    )


def render_retirements(outcomes: list[RetirementOutcome], console: Console) -> None:
    for o in outcomes:
        if o.receipt_problem is not None:
            console.print(
                f"[red]retirement {o.retirement_id}: the hub's answer failed receipt "
                f"verification ({o.receipt_problem}); nothing applied, reported again next run[/]"
            )
        elif o.refusal:
            console.print(f"[yellow]retirement {o.retirement_id} refused: {o.refusal}[/]")
        else:
            replay = " (replay)" if o.replay else ""
            console.print(f"retired {o.units} t of {o.block_id} for {o.purpose}{replay}")


def render_reconciliations(outcomes: list[ReconciliationOutcome], console: Console) -> None:
    for o in outcomes:
        colour = "green" if o.status == "CONSISTENT" else "red"
        console.print(f"reconciliation {o.reconciliation_id}: [{colour}]{o.status}[/]")
        if o.discrepancies:
            table = Table("phase", "kind", "subject", "hub", "exchange")
            for d in o.discrepancies:
                table.add_row(d.phase, d.kind, d.subject_id, d.hub_value, d.counterpart_value)
            console.print(table)


def render_state(
    state: ExchangeState,
    summary: SyncSummary | None,
    console: Console,
    *,
    receipt_refusals: int = 0,
) -> None:
    blocks = list(state.blocks.values())
    received = [b for b in blocks if not b.from_retirement]
    table = Table("exchange", "blocks", "tCO2e", title="Shenzhen exchange (reference client)")
    table.add_row("received", str(len(received)), str(sum(b.units for b in received)))
    acknowledged = [b for b in blocks if b.acknowledged]
    table.add_row("acknowledged", str(len(acknowledged)), str(sum(b.units for b in acknowledged)))
    held = [b for b in blocks if b.status is BlockStatus.HELD]
    table.add_row("held", str(len(held)), str(sum(b.units for b in held)))
    done = [r for r in state.retirements.values() if r.status is RetirementStatus.DONE]
    counts = Counter(r.purpose for r in done)
    for purpose in sorted(counts):
        units = sum(r.units for r in done if r.purpose == purpose)
        table.add_row(f"retired {purpose}", str(counts[purpose]), str(units))
    pending = [r for r in state.retirements.values() if r.status is RetirementStatus.PENDING]
    if pending:
        # Interrupted mid-report: the next run reports them again under the same ids.
        table.add_row("retirements pending", str(len(pending)), str(sum(r.units for r in pending)))
    refused = [r for r in state.retirements.values() if r.status is RetirementStatus.REFUSED]
    if refused:
        table.add_row("retirements refused", str(len(refused)), str(sum(r.units for r in refused)))
    cancelled = [b for b in blocks if b.status is BlockStatus.CANCELLED]
    table.add_row("cancelled", str(len(cancelled)), str(sum(b.units for b in cancelled)))
    frozen = [b for b in held if b.frozen]
    if frozen:
        table.add_row("frozen", str(len(frozen)), str(sum(b.units for b in frozen)))
    console.print(table)
    line = f"cursor {state.cursor}"
    if summary is not None:
        line += f"; {summary.events} events this run, {summary.reconnects} reconnections"
        if summary.interrupted:
            line += "; interrupted"
    if receipt_refusals:
        line += f"; {receipt_refusals} block(s) refused (receipt)"
    console.print(line)
