"""hub.cli.refusals.refusals, wrapped around every carbon-hub command: what
escapes a command is one coded line on stderr and exit 2."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from hub.cli.refusals import refusals
from hub.errors import NotFound
from hub.settings import HubSettings


def test_a_hub_error_is_its_code_and_message_on_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited, refusals():
        raise NotFound("LEDGER_NOT_FOUND", "no hub database in /x\n(run serve first)")
    assert exited.value.code == 2
    assert capsys.readouterr().err == "LEDGER_NOT_FOUND: no hub database in /x (run serve first)\n"


def test_a_database_lost_mid_command_is_named_without_its_sql(
    capsys: pytest.CaptureFixture[str],
) -> None:
    lost = OperationalError("UPDATE blocks SET state = 'CANCELLED'", {}, Exception("closed"))
    with pytest.raises(SystemExit) as exited, refusals():
        raise lost
    err = capsys.readouterr().err
    assert exited.value.code == 2
    assert err.startswith("DATABASE_UNAVAILABLE: ") and err.count("\n") == 1
    assert "UPDATE" not in err and "closed" not in err


def test_a_command_that_works_passes_through() -> None:
    with refusals():
        value = 1
    assert value == 1


def test_settings_built_without_load_settings_are_still_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUB_GRPC_WORKERS", "many")
    with pytest.raises(SystemExit) as exited, refusals():
        HubSettings()
    err = capsys.readouterr().err
    assert exited.value.code == 2
    assert err.startswith("SETTING_INVALID: grpc_workers") and err.count("\n") == 1
    assert "pydantic" not in err
