"""``carbon-hub points``: a person's carbon points (碳积分), for the bureau.

``balance`` shows the person's points with every partner that gave them
some; ``history`` every entry (award, reversal, redemption, expiry) in the
order written; ``expire`` runs what the periodic issuer runs. Works on the
hub's existing database; no running hub needed. The person is the pseudonym
partners send (the hub never sees a raw identity).
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from hub.cli.ledger import ConfigFile, DatabaseUrl, DataDir, ledger
from hub.services.points_port import LedgerPointsEntry

points_app = typer.Typer(
    no_args_is_help=True,
    help="Carbon points (碳积分) of people: balances, history, expiry.",
)

Person = Annotated[
    str, typer.Option("--person", help="the person's pseudonym, as partners send it")
]
Partner = Annotated[str | None, typer.Option("--partner", help="one partner code")]
AsJson = Annotated[bool, typer.Option("--json", help="one JSON document on stdout")]


def entry_json(entry: LedgerPointsEntry) -> dict[str, object]:
    return {
        "kind": str(entry.kind),
        "partner": entry.partner,
        "points": entry.points,
        "occurred_at": entry.occurred_at.isoformat(),
        "platform": entry.platform,
        "methodology": entry.methodology,
        "claim_id": entry.claim_id,
        "redemption_id": entry.redemption_id,
        "day": entry.day.isoformat() if entry.day else None,
        "expires_at": entry.expires_at.isoformat() if entry.expires_at else None,
    }


@points_app.command("balance")
def balance(
    person: Person,
    partner: Partner = None,
    as_json: AsJson = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    config: ConfigFile = None,
) -> None:
    """The person's points with each partner."""
    with ledger(data_dir, database_url, config) as hub:
        balances = (
            {partner: hub.points.balance(partner, person)}
            if partner
            else hub.points.balances(person)
        )
    if as_json:
        typer.echo(json.dumps({"person": person, "balances": balances}, ensure_ascii=False))
        return
    out = Console()
    table = Table(title="Carbon points (碳积分)")
    table.add_column("partner")
    table.add_column("points", justify="right")
    for code, points in sorted(balances.items()):
        table.add_row(code, str(points))
    out.print(table)
    out.print(f"{sum(balances.values())} points with {len(balances)} partners")


@points_app.command("history")
def history(
    person: Person,
    partner: Partner = None,
    as_json: AsJson = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    config: ConfigFile = None,
) -> None:
    """Every points entry of the person, in the order written."""
    with ledger(data_dir, database_url, config) as hub:
        entries = hub.points.history(person, partner)
    if as_json:
        document = {"person": person, "entries": [entry_json(e) for e in entries]}
        typer.echo(json.dumps(document, ensure_ascii=False))
        return
    out = Console()
    table = Table(title="Carbon points entries")
    for column in ("at", "partner", "kind", "points", "claim / redemption", "expires"):
        table.add_column(column)
    for e in entries:
        table.add_row(
            e.occurred_at.isoformat(timespec="seconds"),
            e.partner,
            str(e.kind),
            str(e.points),
            e.claim_id or e.redemption_id or "",
            e.expires_at.date().isoformat() if e.expires_at else "",
        )
    out.print(table)
    out.print(f"{len(entries)} entries")


@points_app.command("expire")
def expire(
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    config: ConfigFile = None,
) -> None:
    """Expire the unredeemed part of every award past its validity now."""
    with ledger(data_dir, database_url, config) as hub:
        from hub.observability.service_events import ObservedPointsExpiry

        closed = ObservedPointsExpiry(hub.points).expire_due()
    typer.echo(f"{closed} awards closed by expiry")
