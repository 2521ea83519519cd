"""carbon-hub-adapter points redeem|balance against a real hub with mutual TLS,
on SQLite and PostgreSQL: what a partner's operator runs, read by its --json
documents (docs/points.md) and its exit codes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from adapters.cli import app
from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from tests.integration.grpc.ledger_helpers import Running, running_hub, submit
from tests.integration.grpc.test_person_travel_wire import PERSON, gd_trip
from tests.integration.grpc.test_points_wire import NOBODY


@pytest.fixture
def running(tmp_path: Path, database_url: str) -> Iterator[Running]:
    with running_hub(tmp_path, database_url) as hub:
        (trip,) = submit(hub.partner, gd_trip("CLI-1", "GD-METRO", "08:00", "08:45"))
        assert trip.decision == pb.DECISION_ACCEPTED, trip
        yield hub


def _flags(running: Running, *, signing: bool = False) -> list[str]:
    trust = running.clients.trust
    party = trust.parties["CN-GD"]
    flags = ["--hub", running.server.address, "--ca", str(trust.ca)]
    flags += ["--cert", str(party.certificate), "--key", str(party.key)]
    if signing:
        flags += ["--signing-key", str(trust.signing_keys["CN-GD"])]
    return flags


def _json(*args: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(app, [*args, "--json"], env={"COLUMNS": "40"})
    (line,) = result.stdout.splitlines()  # the document and nothing else
    document: dict[str, Any] = json.loads(line)
    assert document["exit_code"] == result.exit_code, result.output
    return result.exit_code, document


def _redeem(running: Running, points: int, redemption_id: str) -> tuple[int, dict[str, Any]]:
    return _json(
        "points",
        "redeem",
        "guangdong",
        *_flags(running, signing=True),
        "--person",
        PERSON,
        "--points",
        str(points),
        "--redemption-id",
        redemption_id,
        "--purpose",
        "bus ticket",
    )


def test_a_partner_reads_and_redeems_its_peoples_points(running: Running) -> None:
    code, balance = _json("points", "balance", "guangdong", *_flags(running), "--person", PERSON)
    assert code == 0 and balance["error"] is None
    assert (balance["schema"], balance["version"]) == ("carbon-hub-adapter/points-balance", 1)
    earned = balance["balance"]
    assert earned == balance["awarded"] > 0 and balance["next_expiry_points"] == earned
    assert balance["next_expiry"].endswith("Z")

    code, first = _redeem(running, 2, "GD-CLI-0001")
    assert code == 0 and first["schema"] == "carbon-hub-adapter/points-redemption"
    assert (first["points"], first["balance"], first["repeated"]) == (2, earned - 2, False)
    # Run again (a timeout, an operator unsure): answered as the first time.
    code, again = _redeem(running, 2, "GD-CLI-0001")
    assert code == 0 and (again["balance"], again["repeated"]) == (earned - 2, True)

    code, refused = _redeem(running, earned, "GD-CLI-0002")
    assert code == 1 and refused["error"]["code"] == "POINTS_INSUFFICIENT"
    assert refused["details"]["balance"] == str(earned - 2)
    code, conflict = _redeem(running, 3, "GD-CLI-0001")
    assert code == 1 and conflict["error"]["code"] == "REDEMPTION_CONFLICT"

    result = CliRunner().invoke(
        app, ["points", "balance", "guangdong", *_flags(running), "--person", PERSON]
    )
    assert result.exit_code == 0, result.output
    assert f"{earned - 2} points (awarded {earned}, redeemed 2" in result.output


def test_a_person_the_partner_never_reported_is_refused(running: Running) -> None:
    code, document = _json("points", "balance", "guangdong", *_flags(running), "--person", NOBODY)
    assert code == 1 and document["error"]["code"] == "PERSON_NOT_REPORTED"


def test_an_unreachable_hub_is_exit_3(running: Running) -> None:
    flags = _flags(running)
    flags[1] = "127.0.0.1:1"
    code, document = _json(
        "points", "balance", "guangdong", *flags, "--person", PERSON, "--connect-timeout", "0.5"
    )
    assert code == 3 and document["error"]["message"]
