"""The options carbon-hub-adapter's commands share: hub, TLS, keys, report language, JSON."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from adapters.registry import ADAPTERS
from adapters.report_language import Lang
from carbonhub_contract.timestamps import parse_rfc3339

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
OptionalHubOption = Annotated[
    str | None, typer.Option("--hub", help="the hub's gRPC address, HOST:PORT (not with --check)")
]
CheckOption = Annotated[
    bool,
    typer.Option(
        "--check",
        help="offline: assess the delivery as the hub would (accept, hold, refuse by code) "
        "against the partner's agreement and crosswalk; no hub, nothing sent",
    ),
]
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
OptionalSigningKeyOption = Annotated[
    Path | None,
    typer.Option(
        "--signing-key", help="the partner's Ed25519 signing key (PEM; not with --check)", **_FILE
    ),
]
HubKeyOption = Annotated[
    Path | None,
    typer.Option("--hub-key", help="hub-signing.pub: verify every receipt the hub signs", **_FILE),
]
ReceiptsOption = Annotated[
    Path | None,
    typer.Option("--receipts", help="append the hub's signed receipts here (JSON lines)"),
]
LangOption = Annotated[
    Lang,
    typer.Option(
        "--lang",
        help="the report's language: en, zh-CN, zh-Hant (Hong Kong, Macao) or pt (Macao)",
    ),
]
JsonOption = Annotated[
    bool,
    typer.Option(
        "--json", help="one JSON document on stdout (adapters/README.md), other lines on stderr"
    ),
]

PartnerName = StrEnum("PartnerName", [(name, name) for name in ADAPTERS])  # type: ignore[misc]
NameArgument = Annotated[PartnerName, typer.Argument(help="the partner adapter")]
JournalOption = Annotated[
    Path,
    typer.Option("--journal", help="the partner's attestation journal (JSON lines)"),
]
DEFAULT_JOURNAL = Path("attestation-journal.jsonl")


def rfc3339_option(text: str, option: str) -> datetime:
    """A command-line time: RFC 3339 with its zone, or a clear usage error."""
    try:
        return parse_rfc3339(text)
    except ValueError as problem:
        raise typer.BadParameter(str(problem), param_hint=option) from None
