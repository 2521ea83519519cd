"""``carbon-hub registers``: the lists of registers outside the hub (CCER, GEC
绿证, Hong Kong RECs, Shenzhen's carbon-inclusion platform).

``import`` loads a register's list (CSV or JSON, hub.services.registers;
docs/external-registers.md) as its next version, audited; project registrations and
claims are compared with every register's latest version from then on (a
claim for units a register credited is rejected, one whose asset is only
listed is held: hub.domain.register_claims), and the claims recorded before
it are re-examined by the same rule (not issued yet: rejected or held;
issued: reported, their blocks frozen under a reconciliation discrepancy,
hub.services.register_reexamination); the output says which. ``list`` shows every version
loaded; the public disclosure shows them too (GET /api/v1/registers).
Works on the hub's existing database; no running hub needed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from hub.cli.ledger import ConfigFile, DatabaseUrl, DataDir, ledger
from hub.cli.ledger_views import render_reconciliation
from hub.domain.registers import RegisterKind
from hub.services.asset_checks import thresholds_of
from hub.services.register_port import RegisterVersion
from hub.services.registers import RegisterImportService
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory

registers_app = typer.Typer(
    no_args_is_help=True,
    help="Registers outside the hub (CCER, GEC, HK RECs, Shenzhen): load and list their lists.",
)

Kind = Annotated[
    RegisterKind,
    typer.Option(
        "--kind", help="the register: ccer, gec, hk-rec or shenzhen", case_sensitive=False
    ),
]


def version_json(version: RegisterVersion) -> dict[str, object]:
    return {
        "kind": str(version.kind),
        "version": version.version,
        "import_id": version.import_id,
        "file": version.file_name,
        "sha256": version.sha256,
        "entries": version.entries,
        "imported_at": version.imported_at.isoformat(),
        "actor": version.actor,
    }


def _service(hub: Any) -> RegisterImportService:
    thresholds = thresholds_of(hub.standard.header.asset_matching)
    return RegisterImportService(SqlAlchemyUnitOfWorkFactory(hub.engine), thresholds)


@registers_app.command("import")
def import_list(
    kind: Kind,
    file: Annotated[Path, typer.Argument(help="the register's list, .csv or .json")],
    actor: Annotated[
        str, typer.Option("--actor", help="who loads it, as the audit log names them")
    ] = "bureau",
    as_json: Annotated[bool, typer.Option("--json", help="one JSON document on stdout")] = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    config: ConfigFile = None,
) -> None:
    """Load FILE as the next version of the register's list."""
    with ledger(data_dir, database_url, config) as hub:
        result = _service(hub).import_file(kind, file, f"bureau:{actor}")
        reported = result.reexamined.reconciliation_id
        reconciliation = hub.reconciliations.get(reported) if reported else None
    version = result.version
    matched = [
        {"partner": m.partner, "project_id": m.project_id, "entry_id": m.entry_id}
        for m in result.matched
    ]
    reexamined = result.reexamined
    claims = [
        {
            "partner": c.partner,
            "record_id": c.record_id,
            "claim_id": c.claim_id,
            "was": c.was,
            "now": c.now,
            "codes": list(c.codes),
            "entries": list(c.entries),
            "frozen_blocks": list(c.frozen),
        }
        for c in reexamined.claims
    ]
    if as_json:
        document = {
            **version_json(version),
            "matched_projects": matched,
            "claims_examined": reexamined.examined,
            "claims": claims,
            "reconciliation_id": reexamined.reconciliation_id,
            "discrepancies": [
                {
                    "discrepancy_id": d.discrepancy_id,
                    "record_id": d.discrepancy.subject_id,
                    "block_serial": d.discrepancy.hub_value,
                    "register": d.discrepancy.counterpart_value,
                    "frozen_block_id": d.block_id,
                }
                for d in (reconciliation.discrepancies if reconciliation else ())
            ],
        }
        typer.echo(json.dumps(document, ensure_ascii=False))
        return
    out = Console()
    out.print(
        f"{version.kind} version {version.version}: {version.entries} entries from "
        f"{version.file_name} (sha256 {version.sha256[:16]}...)"
    )
    for m in matched:
        out.print(
            f"registered project {m['partner']}/{m['project_id']} is on this list as "
            f"{m['entry_id']}: review it (carbon-hub bureau suspend-project)"
        )
    out.print(
        f"claims recorded before this list re-examined: {reexamined.examined}; "
        f"rejected {reexamined.count('REJECTED')}, held {reexamined.count('HELD')}, "
        f"issued and reported {reexamined.count('ISSUED')}"
    )
    for c in reexamined.claims:
        on = ", ".join(c.entries)
        if c.now == "ISSUED":
            frozen = ", ".join(c.frozen) or "none (tonnes still carried)"
            out.print(
                f"issued claim {c.partner}/{c.record_id} is on this list as {on}: "
                f"not changed; blocks frozen: {frozen}"
            )
        else:
            out.print(f"claim {c.partner}/{c.record_id}: {c.was} -> {c.now} ({on})")
    if reconciliation is not None:
        render_reconciliation(reconciliation, out)
        out.print("resolve each discrepancy (carbon-hub bureau resolve ID) to unfreeze its block")


@registers_app.command("list")
def list_versions(
    as_json: Annotated[bool, typer.Option("--json", help="one JSON document on stdout")] = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    config: ConfigFile = None,
) -> None:
    """Every version of every register's list loaded, the latest of each in use."""
    with ledger(data_dir, database_url, config) as hub:
        versions = _service(hub).versions()
    if as_json:
        typer.echo(json.dumps({"versions": [version_json(v) for v in versions]}))
        return
    table = Table(title="External registers' lists")
    for column in ("register", "version", "entries", "file", "imported at", "by"):
        table.add_column(column)
    for v in versions:
        table.add_row(
            str(v.kind),
            str(v.version),
            str(v.entries),
            v.file_name,
            v.imported_at.isoformat(),
            v.actor,
        )
    Console().print(table)
