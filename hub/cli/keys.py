"""``carbon-hub keys``: partner signing keys, registered with the partner
agreement; each change audited. They work on the hub's existing ledger."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from hub.cli.ledger import (
    EXIT_REFUSED,
    ConfigFile,
    DatabaseUrl,
    DataDir,
    Officer,
    Reason,
    console,
    ledger,
)

keys_app = typer.Typer(
    no_args_is_help=True,
    help="Partner signing keys, registered with the partner agreement; each change audited.",
)
Moment = Annotated[
    str | None, typer.Option(help="RFC 3339 time with its zone, e.g. 2026-12-01T00:00:00+08:00")
]


def _instant(text: str | None, option: str) -> Any:
    from hub.cli.rfc3339_option import rfc3339_option

    return None if text is None else rfc3339_option(text, option)


def public_key_or_exit(path: Path, loader: Any) -> bytes:
    """The raw key of a PEM public key file; a file that is not one exits 1."""
    from carbonhub_contract.key_files import KeyFileInvalid

    try:
        return bytes(loader.from_file(path).raw)
    except KeyFileInvalid as error:
        console.print(f"[red]{error.code}[/red]: {error.message}")
        raise typer.Exit(EXIT_REFUSED) from error


@keys_app.command("register")
def keys_register(
    partner: Annotated[str, typer.Option("--partner", help="the partner, e.g. CN-GD")],
    public_key: Annotated[
        Path, typer.Option("--public-key", exists=True, dir_okay=False, help="signing.pub (PEM)")
    ],
    officer: Officer,
    valid_from: Moment = None,
    valid_until: Moment = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    config: ConfigFile = None,
) -> None:
    """Register a partner's Ed25519 public key (its writes verify from --valid-from on)."""
    from carbonhub_contract.signing import PublicKey

    with ledger(data_dir, database_url, config) as hub:
        raw = public_key_or_exit(public_key, PublicKey)
        key = hub.partner_keys.register(
            partner,
            raw,
            officer,
            valid_from=_instant(valid_from, "--valid-from"),
            valid_until=_instant(valid_until, "--valid-until"),
        )
        Console().print(f"registered {key.key_id} for {key.partner} from {key.valid_from}")


@keys_app.command("retire")
def keys_retire(
    key_id: Annotated[str, typer.Argument(help="the key id, ed25519:...")],
    valid_until: Annotated[str, typer.Option("--valid-until", help="end of the overlap window")],
    officer: Officer,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    config: ConfigFile = None,
) -> None:
    """End a key's validity at --valid-until: register the new key first (rotation)."""
    with ledger(data_dir, database_url, config) as hub:
        key = hub.partner_keys.retire(key_id, _instant(valid_until, "--valid-until"), officer)
        Console().print(f"{key.key_id} of {key.partner} valid until {key.valid_until}")


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="the key id, ed25519:...")],
    reason: Reason,
    officer: Officer,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    config: ConfigFile = None,
) -> None:
    """Revoke a key now (compromised): nothing signed with it is accepted any more."""
    with ledger(data_dir, database_url, config) as hub:
        key = hub.partner_keys.revoke(key_id, reason, officer)
        Console().print(f"revoked {key.key_id} of {key.partner} at {key.revoked_at}")


@keys_app.command("list")
def keys_list(
    partner: Annotated[
        str | None,
        typer.Option("--partner", help="only this partner's keys (default: every partner)"),
    ] = None,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="one JSON document: {version, keys: [{key_id, ...}]}"),
    ] = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    config: ConfigFile = None,
) -> None:
    """The registered signing keys and their validity; key ids whole (keys retire needs them).

    On a terminal a table; piped or logged, one tab-separated line per key
    under a header line, never wrapped or cut; with --json one JSON document.
    """
    with ledger(data_dir, database_url, config) as hub:
        keys = list(hub.partner_keys.keys(partner))
    columns = ("key id", "partner", "state", "valid from", "valid until", "registered by")
    rows = [
        (
            key.key_id,
            key.partner,
            key.state.value,
            key.valid_from.isoformat(),
            key.valid_until.isoformat() if key.valid_until else "",
            key.registered_by,
        )
        for key in keys
    ]
    out = Console()
    if as_json:
        document = {
            "version": 1,
            "keys": [
                {
                    "key_id": key.key_id,
                    "partner": key.partner,
                    "state": key.state.value,
                    "valid_from": key.valid_from.isoformat(),
                    "valid_until": key.valid_until.isoformat() if key.valid_until else None,
                    "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None,
                    "registered_by": key.registered_by,
                }
                for key in keys
            ],
        }
        sys.stdout.write(json.dumps(document, ensure_ascii=False) + "\n")
        return
    if not out.is_terminal:
        # Written as is: rich would expand the tabs between the fields.
        sys.stdout.write("".join("\t".join(line) + "\n" for line in (columns, *rows)))
        return
    from rich.table import Table

    table = Table()
    # A key id is copied whole into keys retire / revoke: its column is never narrower.
    widest = max((len(row[0]) for row in rows), default=len(columns[0]))
    table.add_column(columns[0], min_width=widest, no_wrap=True)
    for name in columns[1:]:
        table.add_column(name)
    for row in rows:
        table.add_row(*row)
    out.print(table)
