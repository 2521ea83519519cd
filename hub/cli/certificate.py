"""``carbon-hub certificate``: carbon-neutrality certificates (碳中和证明).

``verify FILE --hub-key K`` checks a downloaded certificate file offline,
with nothing but the hub's public signing key: the signature, that the
readable copy says what was signed, and that the content holds together.
Exit 0: the certificate holds; 1: it does not (CERTIFICATE_SIGNATURE_INVALID,
CERTIFICATE_CONTENT_INVALID); 2: the file or the key cannot be read
(CERTIFICATE_FILE_UNREADABLE). Whether a block was cancelled since is only
known to the hub: the output names the address to look it up.

``list`` prints the certificates in the hub's database, newest first.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from hub.cli.ledger import ConfigFile, DatabaseUrl, DataDir, ledger

EXIT_VALID, EXIT_INVALID, EXIT_UNREADABLE = 0, 1, 2

certificate_app = typer.Typer(
    no_args_is_help=True,
    help="Carbon-neutrality certificates: check a downloaded one offline, list them.",
)


def _unreadable(message: str, as_json: bool) -> typer.Exit:
    _report("CERTIFICATE_FILE_UNREADABLE", message, {}, as_json)
    return typer.Exit(EXIT_UNREADABLE)


def _report(code: str, message: str, certificate: dict[str, Any], as_json: bool) -> None:
    if as_json:
        body = {"valid": not code, "code": code, "message": message}
        if certificate:
            body["certificate_id"] = certificate.get("certificate_id", "")
            body["verify_path"] = certificate.get("verify_path", "")
        typer.echo(json.dumps(body, ensure_ascii=False))
        return
    out = Console(stderr=bool(code), soft_wrap=True)
    if code:
        out.print(f"[red]{code}[/red]: {message}", markup=True, highlight=False)
        return
    claim = certificate["claim"]
    out.print(
        f"certificate {certificate['certificate_id']} holds: signed by the hub key, "
        f"content consistent",
        highlight=False,
    )
    out.print(
        f"  {claim['claimant_name']}: {certificate['tonnes']} t retired "
        f"({len(certificate['retirements'])} serials) for a footprint of "
        f"{claim['footprint_tco2e']} t, {claim['period_start']} to {claim['period_end']}",
        highlight=False,
    )
    out.print(
        f"  still valid (no block cancelled since)? ask the hub: {certificate['verify_path']}",
        highlight=False,
    )


@certificate_app.command("verify")
def verify(
    file: Annotated[Path, typer.Argument(help="the certificate file downloaded from the hub")],
    hub_key: Annotated[
        Path, typer.Option("--hub-key", help="the hub's public signing key (hub-signing.pub)")
    ],
    as_json: Annotated[
        bool, typer.Option("--json", help="one JSON object instead of text")
    ] = False,
) -> None:
    """Check a certificate file offline. Exit 0 holds, 1 does not, 2 unreadable."""
    from carbonhub_contract.signing import PublicKey
    from hub.errors import HubError
    from hub.trust.certificate_documents import check_document

    try:
        key = PublicKey.from_file(hub_key)
    except (OSError, ValueError, HubError) as error:
        raise _unreadable(f"{hub_key}: not a readable hub public key", as_json) from error
    try:
        document = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise _unreadable(f"{file}: not a readable JSON file", as_json) from error
    check = check_document(document, key)
    _report(check.code, check.message, check.certificate, as_json)
    if check.code == "CERTIFICATE_FILE_UNREADABLE":
        raise typer.Exit(EXIT_UNREADABLE)
    if not check.valid:
        raise typer.Exit(EXIT_INVALID)


@certificate_app.command("list")
def list_certificates(
    as_json: Annotated[
        bool, typer.Option("--json", help="JSON lines, one certificate each, for scripts")
    ] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, max=200, help="at most this many")] = 50,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    config: ConfigFile = None,
) -> None:
    """The certificates issued, newest first, with whether each is still valid."""
    from hub.services.certificates import CertificateService
    from hub.storage.certificate_repository import SqlAlchemyCertificateQueries

    with ledger(data_dir, database_url, config) as hub:
        service = CertificateService(SqlAlchemyCertificateQueries(hub.engine), lambda c: {})
        page = service.page(None, limit)
    if as_json:
        for s in page.items:
            c = s.certificate
            line = {
                "certificate_id": c.certificate_id,
                "claimant_name": c.claim.claimant_name,
                "event_name": c.claim.event_name,
                "purpose": str(c.purpose),
                "tonnes": c.tonnes,
                "valid": s.validity.valid,
                "cancelled": [x.serial for x in s.validity.cancelled],
                "issued_at": c.issued_at.isoformat(),
            }
            typer.echo(json.dumps(line, ensure_ascii=False))
        return
    table = Table(title="Carbon-neutrality certificates")
    for column in ("certificate", "claimant", "event", "purpose", "tonnes", "valid", "issued"):
        table.add_column(column, no_wrap=column in ("certificate", "issued"))
    for s in page.items:
        c = s.certificate
        table.add_row(
            c.certificate_id,
            c.claim.claimant_name,
            c.claim.event_name or "",
            str(c.purpose),
            str(c.tonnes),
            "yes" if s.validity.valid else "NO",
            c.issued_at.isoformat(timespec="seconds"),
        )
    Console(soft_wrap=True).print(table)
