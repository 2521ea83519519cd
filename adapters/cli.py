"""carbon-hub-adapter: read a partner delivery and send it to the hub.

    carbon-hub-adapter guangdong --delivery DIR --hub HOST:PORT TLS SIGNING [--batch-size N]
        [--hub-key hub-signing.pub] [--receipts FILE]
    carbon-hub-adapter hongkong  --delivery DIR --hub HOST:PORT TLS SIGNING ...
    carbon-hub-adapter hechi     --delivery DIR --hub HOST:PORT TLS SIGNING ...
    carbon-hub-adapter macao     --delivery DIR --hub HOST:PORT TLS SIGNING ...
    carbon-hub-adapter template  --delivery DIR --hub HOST:PORT TLS SIGNING ...
    carbon-hub-adapter NAME --delivery DIR --check [--json]   (offline: no hub, nothing sent)
    carbon-hub-adapter keygen --out DIR   (the partner's Ed25519 signing key)
    carbon-hub-adapter conformance --hub HOST:PORT TLS SIGNING --hub-key P [--json]
        (the partner's side of the contract against a sandbox hub: PASS/FAIL per step)

TLS is ``--ca ca.crt --cert PARTNER.crt --key PARTNER.key`` (the partner's
certificate of the hub PKI), or ``--insecure`` for a loopback development
hub. SIGNING is ``--signing-key signing.key``: every write is signed with it
(the bureau registers its public key with the partner agreement).

Every report can be read in --lang en (the default), zh-CN, zh-Hant (Hong
Kong, Macao) or pt (Macao: the adapter's codes and the hub's checks), and
with --json is one JSON document on stdout (schema: adapters/README.md).
Piped or logged, a report is plain lines, never wrapped or cut.

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
    carbon-hub-adapter points redeem NAME --hub HOST:PORT --person P --points N
        --redemption-id ID [--purpose TEXT] [--redeemed-at T]
    carbon-hub-adapter points balance NAME --hub HOST:PORT --person P
    carbon-hub-adapter proof NAME --hub HOST:PORT --hub-key P --claim ID
        [--keep-tree-head FILE] [--receipts FILE]

reconcile exits 0 when every reconciliation is consistent (or none was
requested), 1 when one is not; the attestations exit 0 when accepted, 1 when
refused; proof exits 0 when the claim's decision is proven in the signed
log, 1 when a proof or signature fails, 2 when the hub refuses the request;
all exit 3 when the hub is unreachable or a call fails (or a
receipt does not verify under --hub-key), 2 when a TLS file or the TLS
handshake cannot work (one coded line: TLS_FILE_UNREADABLE, TLS_CERT_INVALID,
TLS_KEY_INVALID, TLS_KEY_MISMATCH, TLS_HANDSHAKE_FAILED).
"""

from __future__ import annotations

# First: grpc core reads its log level when grpc is imported (see the module).
import carbonhub_contract.grpc_logs  # noqa: F401

# isort: split

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from adapters.check_command import run_check
from adapters.cli_access import (
    EXIT_HUB,
    EXIT_INCONSISTENT,
    EXIT_PARTLY_REFUSED,
    EXIT_REFUSED,
    CommandStopped,
    HubAccess,
    hub_access,
    refuse_line,
    stopped,
)
from adapters.cli_options import (
    BatchOption,
    CaOption,
    CertOption,
    CheckOption,
    DeliveryOption,
    HubKeyOption,
    InsecureOption,
    JsonOption,
    KeyOption,
    LangOption,
    OptionalHubOption,
    OptionalSigningKeyOption,
    ReceiptsOption,
    TimeoutOption,
)
from adapters.conformance import conformance_command
from adapters.delivery_command import run_delivery, run_delivery_json
from adapters.partner_calls_cli import (
    attest_adjustment_command,
    attest_cancellation_command,
    reconcile_command,
)
from adapters.points_cli import app as points_app
from adapters.proof_command import proof_command
from adapters.registry import ADAPTERS
from adapters.report import say
from adapters.report_language import DEFAULT_LANG
from carbonhub_contract.key_files import write_ed25519_keypair

__all__ = [
    "EXIT_HUB",
    "EXIT_INCONSISTENT",
    "EXIT_PARTLY_REFUSED",
    "EXIT_REFUSED",
    "app",
    "main",
    "refuse_line",
]

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)


def _command(name: str) -> None:
    def command(
        delivery: DeliveryOption,
        hub: OptionalHubOption = None,
        signing_key: OptionalSigningKeyOption = None,
        ca: CaOption = None,
        cert: CertOption = None,
        key: KeyOption = None,
        insecure: InsecureOption = False,
        batch_size: BatchOption = 500,
        connect_timeout: TimeoutOption = 10.0,
        hub_key: HubKeyOption = None,
        receipts: ReceiptsOption = None,
        lang: LangOption = DEFAULT_LANG,
        as_json: JsonOption = False,
        check: CheckOption = False,
    ) -> None:
        if check:
            run_check(name, delivery, lang, as_json)
            return
        if hub is None or signing_key is None:
            raise typer.BadParameter("sending needs --hub and --signing-key (or --check)")
        if as_json:
            access: HubAccess | CommandStopped
            try:
                access = hub_access(hub, ca, cert, key, insecure, signing_key)
            except CommandStopped as stop:
                access = stop  # the document says why nothing was read
            run_delivery_json(
                name, delivery, access, batch_size, connect_timeout, hub_key, receipts, lang
            )
            return
        with stopped(Console()):
            access = hub_access(hub, ca, cert, key, insecure, signing_key)
            run_delivery(
                name, delivery, access, batch_size, connect_timeout, hub_key, receipts, lang
            )

    command.__doc__ = (
        f"Read a {name} delivery and send it to the hub, or with --check assess it "
        "offline as the hub would, sending nothing."
    )
    app.command(name)(command)


for _name in ADAPTERS:
    _command(_name)

app.command("reconcile")(reconcile_command)
app.command("attest-cancellation")(attest_cancellation_command)
app.command("attest-adjustment")(attest_adjustment_command)
app.command("conformance")(conformance_command)
app.add_typer(points_app, name="points")
app.command("proof")(proof_command)


@app.command("keygen")
def keygen_command(
    out: Annotated[Path, typer.Option("--out", help="folder for signing.key and signing.pub")],
) -> None:
    """Make the partner's Ed25519 signing key; send signing.pub to the bureau to register."""
    private, public = out / "signing.key", out / "signing.pub"
    console = Console()
    if private.exists():
        say(console, f"{private} exists: a signing key is never overwritten", "red")
        raise typer.Exit(EXIT_REFUSED)
    key_id = write_ed25519_keypair(private, public)
    say(console, f"signing key {key_id}: private {private} (keep it), public {public}")


def main() -> None:
    app()
