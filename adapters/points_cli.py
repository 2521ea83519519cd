"""carbon-hub-adapter points: a partner redeems and reads its people's carbon points.

    carbon-hub-adapter points redeem NAME --hub HOST:PORT TLS --signing-key K
        --person P --points N --redemption-id ID [--purpose TEXT] [--redeemed-at T] [--json]
    carbon-hub-adapter points balance NAME --hub HOST:PORT TLS --person P [--json]

Exit codes: 0 done (a redemption sent again under its id is answered as the
first, ``repeated``); 1 the hub refused it (PERSON_NOT_REPORTED,
POINTS_INSUFFICIENT, REDEMPTION_CONFLICT, REDEMPTION_ID_INVALID,
POINTS_NOT_POSITIVE, REDEMPTION_MALFORMED: nothing was redeemed); 2 a TLS
file or handshake that cannot work; 3 the hub unreachable or failing.
With --json, one document on stdout (schemas carbon-hub-adapter/points-redemption
and carbon-hub-adapter/points-balance, docs/points.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from adapters.cli_access import (
    EXIT_INCONSISTENT,
    CommandStopped,
    hub_access,
    hub_call,
    hub_channel,
    partner_signer,
)
from adapters.cli_options import (
    CaOption,
    CertOption,
    HubOption,
    InsecureOption,
    JsonOption,
    KeyOption,
    NameArgument,
    SigningKeyOption,
    TimeoutOption,
)
from adapters.partner_calls_cli import _moment, _report
from adapters.points_client import PointsRefused, points_balance, redeem_points
from adapters.registry import adapter_for
from adapters.report import say

T = TypeVar("T")

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)

PersonOption = Annotated[
    str, typer.Option("--person", help="the person's pseudonym, as the partner's claims carry it")
]


def _refusable(hub: str, document: dict[str, Any], call: Callable[[], T]) -> T:
    """``call()``; a refusal of the hub's points rules stops the command with exit 1."""
    try:
        return hub_call(hub, call)
    except PointsRefused as refused:
        document["details"] = refused.details
        raise CommandStopped(EXIT_INCONSISTENT, refused.message, refused.code) from refused


@app.command("redeem")
def redeem_command(
    name: NameArgument,
    hub: HubOption,
    signing_key: SigningKeyOption,
    person: PersonOption,
    points: Annotated[int, typer.Option("--points", min=1, help="how many points to redeem")],
    redemption_id: Annotated[
        str,
        typer.Option("--redemption-id", help="the partner's id of this redemption (1-128 chars)"),
    ],
    purpose: Annotated[str, typer.Option("--purpose", help="what the points were used for")] = "",
    redeemed_at: Annotated[
        str | None,
        typer.Option("--redeemed-at", help="RFC 3339 time of the redemption (default: now)"),
    ] = None,
    connect_timeout: TimeoutOption = 10.0,
    ca: CaOption = None,
    cert: CertOption = None,
    key: KeyOption = None,
    insecure: InsecureOption = False,
    as_json: JsonOption = False,
) -> None:
    """Redeem a person's carbon points, once per --redemption-id (safe to run again)."""
    partner = adapter_for(str(name)).partner
    document: dict[str, Any] = {"partner": partner, "redemption_id": redemption_id}
    with _report(as_json, "carbon-hub-adapter/points-redemption", document) as console:
        access = hub_access(hub, ca, cert, key, insecure, signing_key)
        moment = _moment(redeemed_at, "--redeemed-at")
        with hub_channel(access, connect_timeout) as channel:
            signer = partner_signer(access, partner, channel)
            outcome = _refusable(
                hub,
                document,
                lambda: redeem_points(
                    channel,
                    signer,
                    person,
                    points,
                    redemption_id,
                    purpose=purpose,
                    redeemed_at=moment,
                ),
            )
        document.update(
            person=outcome.person,
            points=outcome.points,
            balance=outcome.balance,
            repeated=outcome.repeated,
        )
        again = (
            " (recorded before under this id: nothing more redeemed)" if outcome.repeated else ""
        )
        say(
            console,
            f"redeemed {outcome.points} points of {outcome.person} as {outcome.redemption_id}"
            f"{again}; balance {outcome.balance}",
            "green",
        )


def _render_balance(console: Console, document: dict[str, Any]) -> None:
    say(
        console,
        f"{document['person']} with {document['partner']}: {document['balance']} points "
        f"(awarded {document['awarded']}, redeemed {document['redeemed']}, "
        f"expired {document['expired']}, reversed {document['reversed']})",
    )
    if document["next_expiry"]:
        say(
            console,
            f"next expiry: {document['next_expiry_points']} points at {document['next_expiry']}",
        )


@app.command("balance")
def balance_command(
    name: NameArgument,
    hub: HubOption,
    person: PersonOption,
    connect_timeout: TimeoutOption = 10.0,
    ca: CaOption = None,
    cert: CertOption = None,
    key: KeyOption = None,
    insecure: InsecureOption = False,
    as_json: JsonOption = False,
) -> None:
    """A person's carbon points with the partner (a person the partner reported)."""
    partner = adapter_for(str(name)).partner
    document: dict[str, Any] = {"partner": partner, "person": person}
    with _report(as_json, "carbon-hub-adapter/points-balance", document) as console:
        access = hub_access(hub, ca, cert, key, insecure)
        with hub_channel(access, connect_timeout) as channel:
            info = _refusable(hub, document, lambda: points_balance(channel, partner, person))
        document.update(
            balance=info.balance,
            awarded=info.awarded,
            redeemed=info.redeemed,
            expired=info.expired,
            reversed=info.reversed,
            next_expiry=info.next_expiry or None,
            next_expiry_points=info.next_expiry_points,
        )
        _render_balance(console, document)
