"""How a carbon-hub-adapter command reaches the hub, and how it stops when it cannot.

Every command takes the hub's address, its TLS files (or ``--insecure``)
and, for writes, the partner's signing key. What cannot work (a TLS file, a
handshake, a key file, a hub that is not there or fails a call) raises
CommandStopped: the command prints it as one line (``stopped``) or, asked
for ``--json``, puts it in its document; either way it exits with the
stop's code.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn, TypeVar

import grpc
import typer
from rich.console import Console

from adapters.hub_call_errors import HubCallError
from adapters.hub_connection import ConnectionRefused, HubConnection
from adapters.partner_signing import PartnerSigner
from carbonhub_contract.key_files import KeyFileInvalid
from carbonhub_contract.signing import Signer
from carbonhub_contract.tls import ClientTlsError, HubUnreachable, wait_ready

EXIT_INCONSISTENT = 1  # reconcile: a discrepancy; attest-*: the hub refused the attestation
EXIT_REFUSED = 2
EXIT_HUB = 3
EXIT_PARTLY_REFUSED = 4  # a file of the delivery refused whole, the rest sent

T = TypeVar("T")


class CommandStopped(Exception):
    """The command cannot go on: its exit code, its reason code when it has one, what.

    ``coded_line`` stops print as one ``CODE: message`` line on stderr
    (the invocation or its environment); the others as a line of the report.
    """

    def __init__(
        self, exit_code: int, message: str, code: str | None = None, *, coded_line: bool = False
    ) -> None:
        super().__init__(message)
        self.exit_code = exit_code
        self.message = message
        self.code = code
        self.coded_line = coded_line

    def print(self, console: Console) -> None:
        if self.coded_line and self.code:
            # One line, never wrapped or styled: scripts and people read it.
            print(f"{self.code}: {' '.join(self.message.split())}", file=sys.stderr, flush=True)
        else:
            text = f"{self.code}: {self.message}" if self.code else self.message
            console.print(text, style="red", soft_wrap=True, markup=False, highlight=False)


@contextmanager
def stopped(console: Console) -> Iterator[None]:
    """A CommandStopped printed and turned into the command's exit code."""
    try:
        yield
    except CommandStopped as stop:
        stop.print(console)
        raise typer.Exit(stop.exit_code) from None


def refuse_line(code: str, message: str) -> NoReturn:
    """The invocation or its environment cannot work: one coded line on stderr, exit 2."""
    raise CommandStopped(EXIT_REFUSED, message, code, coded_line=True)


@dataclass(frozen=True)
class HubAccess:
    """Where the hub is, how to reach it, and the partner's signing key."""

    connection: HubConnection
    signing_key: Path | None = None

    @property
    def address(self) -> str:
        return self.connection.address


def hub_access(
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
        key_file("--signing-key", signing_key, Signer.from_file)
    return HubAccess(connection, signing_key)


def key_file(flag: str, path: Path, load: Callable[[Path], T]) -> T:
    """An Ed25519 key file loaded, or one coded line naming it and exit 2."""
    try:
        return load(path)
    except KeyFileInvalid as error:
        # The loader's message quotes the PEM parser; the flag says more.
        refuse_line(error.code, f"{flag} {path} is not a readable Ed25519 key file (PEM)")


def partner_signer(access: HubAccess, partner: str, channel: grpc.Channel) -> PartnerSigner:
    if access.signing_key is None:
        raise typer.BadParameter("writes are signed: give --signing-key")
    try:
        return PartnerSigner.synced(partner, Signer.from_file(access.signing_key), channel)
    except KeyFileInvalid as error:
        raise CommandStopped(EXIT_REFUSED, error.message, error.code) from error
    except grpc.RpcError as error:
        failed = HubCallError("GetPartnerSequence", error)
        raise CommandStopped(EXIT_HUB, f"hub {access.address}: {failed}") from error


@contextmanager
def hub_channel(access: HubAccess, timeout: float) -> Iterator[grpc.Channel]:
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
            raise CommandStopped(EXIT_HUB, str(unreachable)) from None
        yield channel
    finally:
        channel.close()


def hub_call(hub: str, call: Callable[[], T]) -> T:
    """``call()``; a failed call to the hub stops the command (exit 3)."""
    try:
        return call()
    except HubCallError as error:
        raise CommandStopped(EXIT_HUB, f"hub {hub}: {error}") from error
