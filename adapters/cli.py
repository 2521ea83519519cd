"""carbon-hub-adapter: read a partner delivery and send it to the hub.

    carbon-hub-adapter guangdong --delivery DIR --hub HOST:PORT TLS SIGNING [--batch-size N]
        [--hub-key hub-signing.pub] [--receipts FILE]
    carbon-hub-adapter hongkong  --delivery DIR --hub HOST:PORT TLS SIGNING ...
    carbon-hub-adapter hechi     --delivery DIR --hub HOST:PORT TLS SIGNING ...
    carbon-hub-adapter template  --delivery DIR --hub HOST:PORT TLS SIGNING ...
    carbon-hub-adapter keygen --out DIR   (the partner's Ed25519 signing key)

TLS is ``--ca ca.crt --cert PARTNER.crt --key PARTNER.key`` (the partner's
certificate of the hub PKI), or ``--insecure`` for a loopback development
hub. SIGNING is ``--signing-key signing.key``: every write is signed with it
(the bureau registers its public key with the partner agreement).

Exit codes: 0 the delivery was processed (rows may have been refused: see
the report); 2 the delivery was refused whole (manifest or every file bad),
nothing was sent, or the invocation or its environment cannot work (a TLS
file, a TLS handshake the hub or this client refused: one coded line); 3 the
hub was unreachable or a call to it failed; 4 the delivery was sent but one
of its files was refused whole (wrong digest, encoding or header: the
report names it; its rows were not sent).

The partner's other calls:

    carbon-hub-adapter reconcile NAME --registry DIR --hub HOST:PORT [--journal F] [--start]
    carbon-hub-adapter attest-cancellation NAME --hub HOST:PORT --claim-id ID
        --origin-serial S --cancellation-id C --note TEXT [--record-id R] [--journal F]
    carbon-hub-adapter attest-adjustment NAME --hub HOST:PORT --reference R
        --status COMMITTED|COMPLETED [--note TEXT]

reconcile exits 0 when every reconciliation is consistent (or none was
requested), 1 when one is not; the attestations exit 0 when accepted, 1 when
refused; all exit 3 when the hub is unreachable or a call fails (or a
receipt does not verify under --hub-key), 2 when a TLS file or the TLS
handshake cannot work (one coded line: TLS_FILE_UNREADABLE, TLS_CERT_INVALID,
TLS_KEY_INVALID, TLS_KEY_MISMATCH, TLS_HANDSHAKE_FAILED).
"""

from __future__ import annotations

# First: grpc core reads its log level when grpc is imported (see the module).
import hub.grpc_core_logs  # noqa: F401

# isort: split

import base64
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn, TypeVar

import grpc
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from adapters.attestation_journal import AttestationJournal, JournalEntry
from adapters.delivery import Delivery
from adapters.delivery_report import DeliveryReport
from adapters.hub_client import (
    AttestationOutcome,
    HubCallError,
    HubProtocolError,
    ReconciliationOutcome,
    attest_adjustment,
    attest_source_cancellation,
    list_reconciliation_requests,
    submit_delivery,
)
from adapters.hub_client import submit_reconciliation as submit_holdings
from adapters.hub_connection import ConnectionRefused, HubConnection
from adapters.partner_signing import PartnerSigner
from adapters.reconciliation import registry_holdings
from adapters.registry import ADAPTERS, adapter_for
from adapters.report import render_refused, render_report
from hub.cli_errors import print_refusal
from hub.domain.blocks import AdjustmentStatus
from hub.errors import HubError
from hub.exchange_client.tls import ClientTlsError, HubUnreachable, wait_ready
from hub.grpc_api.generated.carbonhub.v1 import ledger_pb2 as ledger_pb
from hub.rfc3339_option import rfc3339_option
from hub.trust.key_files import write_ed25519_keypair
from hub.trust.signing import PublicKey, Signer

EXIT_INCONSISTENT = 1  # reconcile: a discrepancy; attest-*: the hub refused the attestation
EXIT_REFUSED = 2
EXIT_HUB = 3
EXIT_PARTLY_REFUSED = 4  # a file of the delivery refused whole, the rest sent

T = TypeVar("T")

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)

DeliveryOption = Annotated[
    Path,
    typer.Option(
        "--delivery",
        exists=True,
        file_okay=False,
        dir_okay=True,
        help="the delivery folder (manifest.json and its files)",
    ),
]
HubOption = Annotated[str, typer.Option("--hub", help="the hub's gRPC address, HOST:PORT")]
BatchOption = Annotated[
    int, typer.Option("--batch-size", min=1, help="claims per envelope on the stream")
]
TimeoutOption = Annotated[
    float, typer.Option("--connect-timeout", min=0.1, help="seconds to wait for the hub")
]
_FILE = {"exists": True, "file_okay": True, "dir_okay": False}
# The TLS files are checked by HubConnection, which names the one at fault.
CaOption = Annotated[Path | None, typer.Option("--ca", help="the hub CA certificate")]
CertOption = Annotated[
    Path | None, typer.Option("--cert", help="the partner's certificate of the hub PKI")
]
KeyOption = Annotated[Path | None, typer.Option("--key", help="its private key")]
InsecureOption = Annotated[
    bool, typer.Option("--insecure", help="plaintext to a loopback development hub")
]
SigningKeyOption = Annotated[
    Path,
    typer.Option("--signing-key", help="the partner's Ed25519 signing key (PEM)", **_FILE),
]
HubKeyOption = Annotated[
    Path | None,
    typer.Option("--hub-key", help="hub-signing.pub: verify every receipt the hub signs", **_FILE),
]


@dataclass(frozen=True)
class HubAccess:
    """Where the hub is, how to reach it, and the partner's signing key."""

    connection: HubConnection
    signing_key: Path | None = None

    @property
    def address(self) -> str:
        return self.connection.address


def _access(
    hub: str,
    ca: Path | None,
    cert: Path | None,
    key: Path | None,
    insecure: bool,
    signing_key: Path | None = None,
) -> HubAccess:
    try:
        connection = HubConnection(hub, ca, cert, key, insecure)
        connection.tls_files()  # a file that cannot work is named before any work
    except ConnectionRefused as refused:
        raise typer.BadParameter(str(refused)) from refused
    except ClientTlsError as problem:
        refuse_line(problem.code, problem.message)
    if signing_key is not None:
        _key_file("--signing-key", signing_key, Signer.from_file)
    return HubAccess(connection, signing_key)


def _key_file(flag: str, path: Path, load: Callable[[Path], T]) -> T:
    """An Ed25519 key file loaded, or one coded line naming it and exit 2."""
    try:
        return load(path)
    except HubError as error:
        # The loader's message quotes the PEM parser; the flag says more.
        refuse_line(error.code, f"{flag} {path} is not a readable Ed25519 key file (PEM)")


def _signer(
    access: HubAccess, partner: str, channel: grpc.Channel, console: Console
) -> PartnerSigner:
    if access.signing_key is None:
        raise typer.BadParameter("writes are signed: give --signing-key")
    try:
        return PartnerSigner.synced(partner, Signer.from_file(access.signing_key), channel)
    except HubError as error:
        console.print(f"[red]{error.code}: {error.message}[/]")
        raise typer.Exit(EXIT_REFUSED) from error
    except grpc.RpcError as error:
        console.print(f"[red]hub {access.address}: {HubCallError('GetPartnerSequence', error)}[/]")
        raise typer.Exit(EXIT_HUB) from error


class _ReceiptFile:
    """Keeps every receipt the hub signed, one JSON line each (the proof)."""

    def __init__(self, path: Path) -> None:
        self._path = path

    def __call__(self, receipt: ledger_pb.Receipt) -> None:
        line = {
            "key_id": receipt.key_id,
            "statement": base64.b64encode(receipt.statement).decode("ascii"),
            "signature": base64.b64encode(receipt.signature).decode("ascii"),
        }
        with self._path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(line, sort_keys=True) + "\n")


def _send(
    delivery: Delivery,
    access: HubAccess,
    batch_size: int,
    timeout: float,
    console: Console,
    hub_key: PublicKey | None,
    receipts: Path | None,
) -> DeliveryReport:
    hub = access.address
    with _hub_channel(access, timeout, console) as channel:
        try:
            signer = _signer(access, delivery.partner, channel, console)
            with Progress(
                TextColumn("[progress.description]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
                transient=False,
            ) as progress:
                task = progress.add_task(
                    f"{delivery.delivery_id}: claims", total=len(delivery.claims)
                )
                return submit_delivery(
                    delivery,
                    channel,
                    signer,
                    batch_size=batch_size,
                    on_progress=lambda n: progress.advance(task, n),
                    hub_key=hub_key,
                    on_receipt=_ReceiptFile(receipts) if receipts else None,
                )
        except (HubCallError, HubProtocolError) as error:
            console.print(f"[red]hub {hub}: {error}[/]")
            raise typer.Exit(EXIT_HUB) from error


def run(
    name: str,
    delivery_dir: Path,
    access: HubAccess,
    batch_size: int,
    timeout: float,
    hub_key: Path | None = None,
    receipts: Path | None = None,
) -> None:
    console = Console()
    verifying = _key_file("--hub-key", hub_key, PublicKey.from_file) if hub_key else None
    delivery = adapter_for(name).read(delivery_dir)
    if delivery.refused:
        render_refused(delivery.problems, delivery.delivery_id, console)
        console.print(f"[red]delivery {delivery.delivery_id} refused whole; nothing was sent[/]")
        raise typer.Exit(EXIT_REFUSED)
    console.print(
        f"{delivery.partner} {delivery.delivery_id}: {delivery.rows_read} rows read, "
        f"{len(delivery.projects)} projects and {len(delivery.claims)} claims to send, "
        f"{len(delivery.problems)} problems found by the adapter"
    )
    report = _send(delivery, access, batch_size, timeout, console, verifying, receipts)
    render_report(report, console)
    refused_files = sorted({p.file for p in delivery.problems if p.file_level})
    if refused_files:
        console.print(
            f"[red]delivery {delivery.delivery_id} partly refused: "
            f"{', '.join(refused_files)} refused whole, not sent (see above)[/]"
        )
        raise typer.Exit(EXIT_PARTLY_REFUSED)


def _command(name: str) -> None:
    def command(
        delivery: DeliveryOption,
        hub: HubOption,
        signing_key: SigningKeyOption,
        ca: CaOption = None,
        cert: CertOption = None,
        key: KeyOption = None,
        insecure: InsecureOption = False,
        batch_size: BatchOption = 500,
        connect_timeout: TimeoutOption = 10.0,
        hub_key: HubKeyOption = None,
        receipts: Annotated[
            Path | None,
            typer.Option("--receipts", help="append the hub's signed receipts here (JSON lines)"),
        ] = None,
    ) -> None:
        access = _access(hub, ca, cert, key, insecure, signing_key)
        run(name, delivery, access, batch_size, connect_timeout, hub_key, receipts)

    command.__doc__ = f"Read a {name} delivery and send it to the hub."
    app.command(name)(command)


for _name in ADAPTERS:
    _command(_name)


# -- reconciliation and attestations ---------------------------------------------

PartnerName = StrEnum("PartnerName", [(name, name) for name in ADAPTERS])  # type: ignore[misc]


class AttestedStatus(StrEnum):
    COMMITTED = "COMMITTED"
    COMPLETED = "COMPLETED"


NameArgument = Annotated[PartnerName, typer.Argument(help="the partner adapter")]
JournalOption = Annotated[
    Path,
    typer.Option("--journal", help="the partner's attestation journal (JSON lines)"),
]
DEFAULT_JOURNAL = Path("attestation-journal.jsonl")


@contextmanager
def _hub_channel(access: HubAccess, timeout: float, console: Console) -> Iterator[grpc.Channel]:
    connection = access.connection
    try:
        channel = connection.open()
    except ClientTlsError as problem:
        refuse_line(problem.code, problem.message)
    try:
        try:
            wait_ready(channel, access.address, timeout, connection.diagnose)
        except ClientTlsError as problem:
            refuse_line(problem.code, problem.message)
        except HubUnreachable as unreachable:
            console.print(f"[red]{unreachable}[/]")
            raise typer.Exit(EXIT_HUB) from None
        yield channel
    finally:
        channel.close()


def refuse_line(code: str, message: str) -> NoReturn:
    """One coded line on stderr, exit 2: the invocation or its environment."""
    print_refusal(code, message)
    raise typer.Exit(EXIT_REFUSED)


def _call(hub: str, console: Console, call: Callable[[], T]) -> T:
    try:
        return call()
    except HubCallError as error:
        console.print(f"[red]hub {hub}: {error}[/]")
        raise typer.Exit(EXIT_HUB) from error


def _render_reconciliation(outcome: ReconciliationOutcome, console: Console) -> None:
    colour = "green" if outcome.consistent else "red"
    console.print(
        f"reconciliation {outcome.reconciliation_id} with the hub: [{colour}]{outcome.status}[/]"
        f" ({len(outcome.discrepancies)} discrepancies)"
    )
    if outcome.discrepancies:
        table = Table("phase", "kind", "subject", "hub", "partner", "resolved")
        for d in outcome.discrepancies:
            table.add_row(
                d.phase,
                d.kind,
                d.subject_id,
                d.hub_value,
                d.counterpart_value,
                "yes" if d.resolved else "",
            )
        console.print(table)
    if outcome.frozen_block_ids:
        console.print(f"blocks frozen by the hub: {', '.join(outcome.frozen_block_ids)}")


def _render_attestation(outcome: AttestationOutcome, console: Console) -> None:
    if outcome.accepted:
        replay = " (recorded before: nothing changed)" if outcome.replay else ""
        console.print(f"[green]accepted[/]{replay}")
        if outcome.claim_ids:
            console.print(f"claims released for issuance: {', '.join(outcome.claim_ids)}")
        if outcome.block_ids:
            console.print(f"blocks made routable: {', '.join(outcome.block_ids)}")
        return
    console.print("[red]refused[/]")
    for code, message in zip(outcome.check_codes, outcome.messages, strict=True):
        console.print(f"  {code}: {message}")


@app.command("reconcile")
def reconcile_command(
    name: NameArgument,
    registry: Annotated[
        Path,
        typer.Option(
            "--registry",
            exists=True,
            file_okay=False,
            dir_okay=True,
            help="folder whose sub-folders are the partner's deliveries",
        ),
    ],
    hub: HubOption,
    ca: CaOption = None,
    cert: CertOption = None,
    key: KeyOption = None,
    insecure: InsecureOption = False,
    journal: JournalOption = DEFAULT_JOURNAL,
    start: Annotated[
        bool, typer.Option("--start", help="start a reconciliation when none is requested")
    ] = False,
    connect_timeout: TimeoutOption = 10.0,
) -> None:
    """State the partner's holdings from its registry data for the hub's reconciliation."""
    access = _access(hub, ca, cert, key, insecure)
    console = Console()
    held = registry_holdings(str(name), registry, AttestationJournal(journal))
    for folder in held.refused:
        console.print(f"[yellow]delivery {folder} refused whole by the adapter: not counted[/]")
    console.print(
        f"{held.partner}: {len(held.holdings)} records from {len(held.deliveries)} deliveries "
        f"({', '.join(held.deliveries) or 'none'}); journal {journal}"
    )
    with _hub_channel(access, connect_timeout, console) as channel:
        requested = _call(hub, console, lambda: list_reconciliation_requests(channel, held.partner))
        ids: list[str | None] = [r.reconciliation_id for r in requested]
        if not ids:
            if not start:
                console.print("no reconciliation requested by the hub (use --start to start one)")
                return
            ids = [None]
        outcomes: list[ReconciliationOutcome] = []
        for reconciliation_id in ids:
            try:
                outcomes.append(
                    submit_holdings(
                        channel, held.partner, reconciliation_id, held.totals, held.holdings
                    )
                )
            except HubCallError as error:
                console.print(f"[red]hub {hub}: {error}[/]")
                raise typer.Exit(EXIT_HUB) from error
    for outcome in outcomes:
        _render_reconciliation(outcome, console)
    if not all(o.consistent for o in outcomes):
        raise typer.Exit(EXIT_INCONSISTENT)


def _now() -> datetime:
    return datetime.now(UTC)


def _moment(text: str | None, option: str) -> datetime:
    return _now() if text is None else rfc3339_option(text, option)


@app.command("attest-cancellation")
def attest_cancellation_command(
    name: NameArgument,
    hub: HubOption,
    signing_key: SigningKeyOption,
    claim_id: Annotated[str, typer.Option("--claim-id", help="the hub's claim id")],
    origin_serial: Annotated[
        str, typer.Option("--origin-serial", help="the whole origin block cancelled")
    ],
    cancellation_id: Annotated[
        str, typer.Option("--cancellation-id", help="the registry's cancellation id")
    ],
    note: Annotated[
        str, typer.Option("--note", help="the cancellation note as written at the origin")
    ],
    record_id: Annotated[
        str, typer.Option("--record-id", help="the partner's record id, for the journal")
    ] = "",
    cancelled_at: Annotated[
        str | None,
        typer.Option("--cancelled-at", help="RFC 3339 time of the cancellation (default: now)"),
    ] = None,
    journal: JournalOption = DEFAULT_JOURNAL,
    connect_timeout: TimeoutOption = 10.0,
    ca: CaOption = None,
    cert: CertOption = None,
    key: KeyOption = None,
    insecure: InsecureOption = False,
) -> None:
    """Attest that the origin registry cancelled a claim's origin block for the hub."""
    access = _access(hub, ca, cert, key, insecure, signing_key)
    console = Console()
    partner = adapter_for(str(name)).partner
    moment = _moment(cancelled_at, "--cancelled-at")
    with _hub_channel(access, connect_timeout, console) as channel:
        signer = _signer(access, partner, channel, console)
        outcome = _call(
            hub,
            console,
            lambda: attest_source_cancellation(
                channel, signer, claim_id, origin_serial, cancellation_id, note, moment
            ),
        )
    _render_attestation(outcome, console)
    if not outcome.accepted:
        raise typer.Exit(EXIT_INCONSISTENT)
    recorded = AttestationJournal(journal).append(
        JournalEntry(
            partner=partner,
            claim_id=claim_id,
            record_id=record_id,
            origin_serial=origin_serial,
            cancellation_id=cancellation_id,
            cancelled_at=moment.isoformat(),
            attested_at=_now().isoformat(),
        )
    )
    console.print(f"journal {journal}: {'recorded' if recorded else 'already recorded'}")


@app.command("attest-adjustment")
def attest_adjustment_command(
    name: NameArgument,
    hub: HubOption,
    signing_key: SigningKeyOption,
    reference: Annotated[
        str, typer.Option("--reference", help="the adjustment reference the claims carry")
    ],
    status: Annotated[AttestedStatus, typer.Option("--status", help="where it moved")],
    note: Annotated[str, typer.Option("--note", help="free text for the hub's record")] = "",
    attested_at: Annotated[
        str | None, typer.Option("--attested-at", help="RFC 3339 (default: now)")
    ] = None,
    connect_timeout: TimeoutOption = 10.0,
    ca: CaOption = None,
    cert: CertOption = None,
    key: KeyOption = None,
    insecure: InsecureOption = False,
) -> None:
    """Attest that an accounting adjustment of the origin moved to COMMITTED or COMPLETED."""
    access = _access(hub, ca, cert, key, insecure, signing_key)
    console = Console()
    partner = adapter_for(str(name)).partner
    moment = _moment(attested_at, "--attested-at")
    with _hub_channel(access, connect_timeout, console) as channel:
        signer = _signer(access, partner, channel, console)
        outcome = _call(
            hub,
            console,
            lambda: attest_adjustment(
                channel, signer, reference, AdjustmentStatus(status.value), moment, note
            ),
        )
    _render_attestation(outcome, console)
    if not outcome.accepted:
        raise typer.Exit(EXIT_INCONSISTENT)


@app.command("keygen")
def keygen_command(
    out: Annotated[Path, typer.Option("--out", help="folder for signing.key and signing.pub")],
) -> None:
    """Make the partner's Ed25519 signing key; send signing.pub to the bureau to register."""
    private, public = out / "signing.key", out / "signing.pub"
    if private.exists():
        Console().print(f"[red]{private} exists: a signing key is never overwritten[/]")
        raise typer.Exit(EXIT_REFUSED)
    key_id = write_ed25519_keypair(private, public)
    Console().print(f"signing key {key_id}: private {private} (keep it), public {public}")


def main() -> None:
    app()
