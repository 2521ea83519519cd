"""``carbon-hub issuance``: the platform pools of personal reductions.

``pools`` lists each pool (partner, platform, methodology, vintage,
adjustment reference): the tonnes its claims were credited, the units issued
from it to the platform's operator, and what it carries unissued (always
under one tonne once the issuer has run). Closing a vintage is reading this
list for the vintage: the carried column is what stays unissued. Works on
the hub's existing database; no running hub needed.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from hub.cli.ledger import ConfigFile, DatabaseUrl, DataDir, ledger
from hub.services.issuance import PoolView

issuance_app = typer.Typer(
    no_args_is_help=True,
    help="Issuance accounts: the pools of personal reductions per reporting platform.",
)


def pool_json(view: PoolView) -> dict[str, object]:
    balance = view.balance
    key = balance.key
    return {
        "partner": key.partner,
        "platform": view.platform,
        "platform_name": view.platform_name,
        "operator_name": view.operator_name,
        "operator_id": view.operator_id,
        "methodology": key.methodology,
        "vintage": key.vintage,
        "adjustment_ref": key.adjustment_ref,
        "claims": balance.claims,
        "credited_tco2e": str(balance.credited_tco2e),
        "taken_over_tco2e": str(balance.taken_over_tco2e),
        "units_issued": balance.units,
        "carried_tco2e": str(balance.carried_tco2e),
    }


def render_pools(views: list[PoolView], out: Console) -> None:
    table = Table(title="Platform pools (personal reductions)")
    for column in (
        "partner",
        "platform",
        "operator",
        "methodology",
        "vintage",
        "adjustment ref",
        "claims",
        "credited t",
        "units issued",
        "carried t",
    ):
        table.add_column(column)
    for view in views:
        b = view.balance
        table.add_row(
            b.key.partner,
            view.platform,
            f"{view.operator_name} ({view.operator_id})" if view.operator_name else "",
            b.key.methodology,
            str(b.key.vintage),
            b.key.adjustment_ref or "",
            str(b.claims),
            str(b.credited_tco2e),
            str(b.units),
            str(b.carried_tco2e),
        )
    out.print(table)


def render_pool_totals(views: list[PoolView], out: Console) -> None:
    """One row per partner, platform and methodology (its pools summed over
    vintages and attestations): what the demo shows."""
    totals: dict[tuple[str, str, str], list[Decimal]] = {}
    for view in views:
        b = view.balance
        row = totals.setdefault((b.key.partner, view.platform, b.key.methodology), [Decimal(0)] * 5)
        values = (
            Decimal(1),
            Decimal(b.claims),
            b.credited_tco2e,
            Decimal(b.units),
            b.carried_tco2e,
        )
        for i, value in enumerate(values):
            row[i] += Decimal(value)
    table = Table(title="Pooled issuance of personal reductions (units to the platform's operator)")
    for column in ("partner", "platform", "methodology", "pools", "claims"):
        table.add_column(column)
    for column in ("credited t", "units", "carried t"):
        table.add_column(column, justify="right")
    for (partner, platform, methodology), (pools, claims, credited, units, carried) in sorted(
        totals.items()
    ):
        table.add_row(
            partner,
            platform,
            methodology,
            str(pools),
            str(claims),
            f"{credited:f}",
            str(units),
            f"{carried:f}",
        )
    out.print(table)


@issuance_app.command("pools")
def pools(
    partner: Annotated[str | None, typer.Option("--partner", help="one partner code")] = None,
    vintage: Annotated[int | None, typer.Option("--vintage", help="one vintage year")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON document on stdout")] = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    config: ConfigFile = None,
) -> None:
    """Credited, issued and carried tonnes of every platform pool."""
    with ledger(data_dir, database_url, config) as hub:
        views = hub.issuance.pools(partner, vintage)
    if as_json:
        typer.echo(json.dumps({"pools": [pool_json(v) for v in views]}, ensure_ascii=False))
        return
    out = Console()
    render_pools(views, out)
    carried = sum((v.balance.carried_tco2e for v in views), Decimal(0))
    out.print(f"{len(views)} pools; {carried} tCO2e carried unissued")
