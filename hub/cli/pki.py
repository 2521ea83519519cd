"""``carbon-hub pki``: the hub's certificate authority from the command line.

Each command builds the settings once (flags, then ``HUB_*`` environment)
to find the PKI directory (``--pki-dir``, default ``<data dir>/pki``).
Refusals print their code and message and exit 2.

``init`` also makes the hub's (empty) database where ``serve`` will look
for it, unless only --pki-dir was given: the setup commands that follow
(``keys register``, ``bureau add-officer``) work on an existing ledger.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from hub.cli.ledger import configure_command_logging, with_logging_flags
from hub.errors import HubError
from hub.observability import pki_events
from hub.settings import HubSettings, load_settings

if TYPE_CHECKING:
    from hub.trust.certificate_index import IssuedCertificate

EXIT_REFUSED = 2
WIDE_LIST = 110  # columns from which `pki list` draws a table

pki_app = typer.Typer(
    no_args_is_help=True,
    help="The hub's certificate authority: server and client certificates, revocation.",
)
errors = Console(stderr=True)

PkiDir = Annotated[
    Path | None, typer.Option("--pki-dir", help="PKI directory (default: <data dir>/pki)")
]
DataDir = Annotated[Path | None, typer.Option("--data-dir", help="the hub's data directory")]


class ClientRole(StrEnum):
    """The roles a client certificate may carry (the hub's own is made by init)."""

    PARTNER = "partner"
    EXCHANGE = "exchange"
    BUREAU = "bureau"


def _settings(pki_dir: Path | None, data_dir: Path | None) -> HubSettings:
    """The settings; invalid ones raise SettingsRefused, one line and exit 2
    (hub.cli.refusals)."""
    given: dict[str, Any] = {
        name: value
        for name, value in (("pki_dir", pki_dir), ("data_dir", data_dir))
        if value is not None
    }
    settings = load_settings(**with_logging_flags(given))
    configure_command_logging(settings)
    return settings


def _pki_dir(pki_dir: Path | None, data_dir: Path | None) -> Path:
    return _settings(pki_dir, data_dir).resolved_pki_dir()


def _make_ledger(settings: HubSettings) -> str | None:
    """The hub's database made (migrated) where serve will use it; None when
    only a PKI directory was named, which says nothing of where the hub runs."""
    from hub.bootstrap import prepare_data_dir
    from hub.storage.database import migrate, redacted_url

    given = settings.model_fields_set
    if "pki_dir" in given and not {"data_dir", "database_url"} & given:
        return None
    if settings.database_url is None:
        prepare_data_dir(settings.data_dir)
    url = settings.resolved_database_url()
    migrate(url)
    return redacted_url(url)


@contextmanager
def _refusals() -> Iterator[None]:
    """A HubError becomes its code and message on stderr, and exit 2."""
    try:
        yield
    except HubError as error:
        errors.print(f"[red]{error.code}[/red]: {escape(error.message)}", soft_wrap=True)
        for key, value in sorted(error.details.items()):
            errors.print(f"  {key}: {escape(value)}", soft_wrap=True)
        raise typer.Exit(EXIT_REFUSED) from error


@pki_app.command("init")
def init(
    pki_dir: PkiDir = None,
    data_dir: DataDir = None,
    host: Annotated[
        list[str] | None,
        typer.Option(
            "--host", help="another DNS name or IP of the hub for its certificate (repeatable)"
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="replace an existing CA (every certificate it issued stops working)"
        ),
    ] = False,
) -> None:
    """Create the CA, the hub's server certificate, an empty CRL and the hub signing key."""
    from hub.trust.pki import init_authority

    settings = _settings(pki_dir, data_dir)
    directory = settings.resolved_pki_dir()
    # The ledger first: a database that is down or unsupported stops the
    # command before any key is made (making it again changes nothing).
    database = _make_ledger(settings)
    with _refusals():
        authority = init_authority(directory, hosts=tuple(host or ()), force=force)
    pki_events.authority_created(authority.layout.root, forced=force)
    out = Console()
    layout = authority.layout
    out.print(f"certificate authority created in {escape(str(layout.root))}", soft_wrap=True)
    for label, path in (
        ("CA certificate", layout.ca_certificate),
        ("server certificate", layout.server_certificate),
        ("server key", layout.server_key),
        ("CRL", layout.crl),
        ("hub signing key", layout.signing_public_key),
    ):
        out.print(f"  {label}: {escape(str(path))}", soft_wrap=True)
    if database is not None:
        out.print(f"hub database: {escape(database)}", soft_wrap=True)


@pki_app.command("issue")
def issue(
    role: Annotated[ClientRole, typer.Option("--role", help="what the certificate may do")],
    partner: Annotated[
        str | None, typer.Option("--partner", help="the partner's region code, e.g. CN-GD")
    ] = None,
    name: Annotated[
        str | None,
        typer.Option(
            "--name", help="the certificate's name (CN): default partner code or 'exchange'"
        ),
    ] = None,
    days: Annotated[int, typer.Option("--days", min=1, help="validity in days")] = 365,
    pki_dir: PkiDir = None,
    data_dir: DataDir = None,
) -> None:
    """Issue a client certificate for a partner, the exchange or a bureau officer."""
    from hub.domain.identity import Role
    from hub.trust.pki import load_authority

    directory = _pki_dir(pki_dir, data_dir)
    with _refusals():
        authority = load_authority(directory)
        issued = authority.issue(Role(role.value), partner=partner, name=name, days=days)
    pki_events.certificate_issued(issued)
    out = Console()
    out.print(f"issued {issued.role.value} certificate {escape(issued.subject)}", soft_wrap=True)
    out.print(f"  serial: {issued.serial}", soft_wrap=True)
    out.print(f"  valid until: {issued.not_after.isoformat()}", soft_wrap=True)
    out.print(f"  certificate: {escape(str(issued.certificate_path))}", soft_wrap=True)
    out.print(f"  key: {escape(str(issued.key_path))}", soft_wrap=True)
    out.print(f"  CA: {escape(str(authority.ca_certificate_path))}", soft_wrap=True)


@pki_app.command("revoke")
def revoke(
    serial_or_name: Annotated[str, typer.Argument(help="the certificate's serial (hex) or name")],
    reason: Annotated[str, typer.Option("--reason", help="why; kept in index.json")],
    pki_dir: PkiDir = None,
    data_dir: DataDir = None,
) -> None:
    """Revoke a client certificate: a running hub refuses it from its next call on and
    ends the calls it has open within a second."""
    from hub.trust.pki import load_authority

    directory = _pki_dir(pki_dir, data_dir)
    with _refusals():
        revoked = load_authority(directory).revoke(serial_or_name, reason)
    pki_events.certificate_revoked(revoked)
    Console().print(
        f"revoked {revoked.role.value} certificate {escape(revoked.subject)} "
        f"(serial {revoked.serial}): {escape(revoked.reason or '')}",
        soft_wrap=True,
    )


@pki_app.command("list")
def list_certificates(
    pki_dir: PkiDir = None,
    data_dir: DataDir = None,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="one JSON document: {certificates: [{serial, role, partner, subject, "
            "not_before, not_after, revoked_at, reason}]}",
        ),
    ] = False,
) -> None:
    """Every certificate the CA issued, with its validity and revocation."""
    from hub.trust.pki import load_authority

    directory = _pki_dir(pki_dir, data_dir)
    with _refusals():
        certificates = load_authority(directory).issued()
    if as_json:
        print(json.dumps({"certificates": [_certificate_json(c) for c in certificates]}, indent=2))
        return
    out = Console()
    title = f"Certificates of {escape(str(directory))}"
    if out.width < WIDE_LIST:
        # A table folds 40-digit serials at this width; one record per
        # certificate keeps each serial whole, to copy into `pki revoke`.
        out.print(title, soft_wrap=True)
        for certificate in certificates:
            out.print(
                f"{certificate.serial}  {_role_text(certificate)}  {escape(certificate.subject)}",
                soft_wrap=True,
            )
            out.print(f"    {_state_text(certificate)}", soft_wrap=True)
        return
    table = Table(title=title, box=box.SIMPLE_HEAD)
    for column in ("serial", "role", "name", "state"):
        table.add_column(column, overflow="fold")
    for certificate in certificates:
        table.add_row(
            certificate.serial,
            _role_text(certificate),
            escape(certificate.subject),
            _state_text(certificate),
        )
    out.print(table)


def _certificate_json(certificate: IssuedCertificate) -> dict[str, str | None]:
    def moment(at: Any) -> str | None:
        return None if at is None else at.isoformat()

    return {
        "serial": certificate.serial,
        "role": certificate.role.value,
        "partner": certificate.partner,
        "subject": certificate.subject,
        "not_before": moment(certificate.not_before),
        "not_after": moment(certificate.not_after),
        "revoked_at": moment(certificate.revoked_at),
        "reason": certificate.reason,
    }


def _role_text(certificate: IssuedCertificate) -> str:
    role = certificate.role.value
    return f"{role} {certificate.partner}" if certificate.partner else role


def _state_text(certificate: IssuedCertificate) -> str:
    until = f"valid until {certificate.not_after.date().isoformat()}"
    if certificate.revoked_at is None:
        return until
    revoked = f"REVOKED {certificate.revoked_at.date().isoformat()}"
    return f"{revoked}: {escape(certificate.reason or '')} ({until})"
