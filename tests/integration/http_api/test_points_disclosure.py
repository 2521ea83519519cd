"""Disclosure of carbon points: per partner and month, equal to the points
ledger, never naming a person; the tonnes behind the points are the pool's.
Also the bureau's `carbon-hub points` commands on the same ledger."""

from __future__ import annotations

import csv
import io
import json

from sqlalchemy import text
from typer.testing import CliRunner

from carbonhub_contract.vocabulary.records import Decision
from hub.cli.app import app
from tests.unit.services.builders import PARTNER, metro, pseudonym

from .conftest import LiveLedger

PEOPLE = 12


def _commute(live: LiveLedger) -> None:
    rides = [metro(f"M{i}", person_pseudonym=pseudonym(f"p{i}")) for i in range(PEOPLE)]
    verdicts = live.hub.ingestion.submit(PARTNER, rides)
    assert {v.decision for v in verdicts} == {Decision.ACCEPTED}
    live.hub.issuance.issue_pending()


def test_points_are_disclosed_per_partner_and_month_and_equal_the_ledger(
    live: LiveLedger,
) -> None:
    _commute(live)
    first = pseudonym("p0")
    held = live.hub.points.balance(PARTNER, first)
    assert held > 0
    live.hub.points.redeem(PARTNER, first, "GD-R-1", held)
    answer = live.client.get("/api/v1/points")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    (month,) = body["items"]
    with live.hub.engine.connect() as connection:
        awarded = connection.execute(
            text("SELECT SUM(points), COUNT(*) FROM points_entries WHERE kind = 'AWARD'")
        ).one()
    assert month["partner"] == PARTNER and month["month"] == "2026-01"
    assert awarded[1] == PEOPLE
    assert (month["awarded"], month["awards"]) == (int(awarded[0]), PEOPLE)
    assert month["redeemed"] == held and month["expired"] == month["reversed"] == 0
    assert "/api/v1/pools" in body["note"] and "not units" in body["note"]
    # Aggregates only: no pseudonym, record id or redemption id anywhere.
    assert first not in answer.text and "M0" not in answer.text and "GD-R-1" not in answer.text
    table = live.client.get("/api/v1/points.csv")
    assert table.status_code == 200
    rows = list(csv.DictReader(io.StringIO(table.text)))
    assert [int(r["awarded"]) for r in rows] == [month["awarded"]]


def test_the_bureau_reads_a_persons_points_from_the_command_line(live: LiveLedger) -> None:
    _commute(live)
    person = pseudonym("p1")
    live.hub.points.redeem(PARTNER, person, "GD-R-2", 1)
    settings = live.hub.settings
    where = ["--database-url", str(settings.database_url), "--data-dir", str(settings.data_dir)]
    runner = CliRunner()
    balance = runner.invoke(app, ["points", "balance", "--person", person, "--json", *where])
    assert balance.exit_code == 0, balance.output
    balances = json.loads(balance.output)["balances"]
    assert balances == {PARTNER: live.hub.points.balance(PARTNER, person)}
    history = runner.invoke(app, ["points", "history", "--person", person, "--json", *where])
    assert history.exit_code == 0, history.output
    kinds = [e["kind"] for e in json.loads(history.output)["entries"]]
    assert kinds == ["AWARD", "REDEMPTION"]
    table = runner.invoke(app, ["points", "balance", "--person", person, *where])
    assert table.exit_code == 0 and "CN-GD" in table.output
    unknown = runner.invoke(
        app, ["points", "balance", "--person", person, "--partner", "CN-HK", *where]
    )
    assert unknown.exit_code == 1 and "PERSON_NOT_REPORTED" in unknown.output
