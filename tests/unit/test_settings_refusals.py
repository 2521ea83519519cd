"""load_settings: settings that cannot be used are one coded line naming the
setting or the file, never pydantic's dump with its documentation URL."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hub.settings import SettingsRefused, load_settings


@pytest.fixture(autouse=True)
def _no_hub_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.upper().startswith("HUB_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def _refusal(**given: object) -> SettingsRefused:
    with pytest.raises(SettingsRefused) as refused:
        load_settings(**given)
    assert "\n" not in refused.value.message
    assert "pydantic" not in refused.value.message
    return refused.value


def test_a_wrong_type_in_the_environment_names_the_setting_and_what_was_expected(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HUB_GRPC_PORT", "abc")
    refused = _refusal()
    assert refused.code == "SETTING_INVALID"
    assert "grpc_port" in refused.message and "HUB_GRPC_PORT" in refused.message
    assert "valid integer" in refused.message and "'abc'" in refused.message


def test_a_value_out_of_range_says_the_bound() -> None:
    refused = _refusal(grpc_port=70000)
    assert refused.code == "SETTING_INVALID"
    assert "less than or equal to 65535" in refused.message


def test_a_wrong_type_and_an_unknown_name_in_the_config_file_are_both_named(
    tmp_path: Path,
) -> None:
    config = tmp_path / "hub.toml"
    config.write_text('grpc_port = "x"\ngrpc_prot = 1\n', encoding="utf-8")
    refused = _refusal(config_file=config)
    assert refused.code == "SETTING_INVALID"
    assert "grpc_port" in refused.message
    assert "grpc_prot is not a setting" in refused.message


def test_a_malformed_config_file_is_named_with_the_line_and_column(tmp_path: Path) -> None:
    config = tmp_path / "hub.toml"
    config.write_text("grpc_port = 50051\ndata_dir = = 'x'\n", encoding="utf-8")
    refused = _refusal(config_file=config)
    assert refused.code == "CONFIG_INVALID"
    assert str(config) in refused.message
    assert "line 2, column" in refused.message


def test_a_missing_config_file_is_named(tmp_path: Path) -> None:
    refused = _refusal(config_file=tmp_path / "absent.toml")
    assert refused.code == "CONFIG_INVALID"
    assert "absent.toml does not exist" in refused.message


def test_a_config_file_that_is_not_text_is_named(tmp_path: Path) -> None:
    config = tmp_path / "hub.toml"
    config.write_bytes(b"\xff\xfe\x00binary")
    refused = _refusal(config_file=config)
    assert refused.code == "CONFIG_INVALID"
    assert str(config) in refused.message


def test_good_settings_load() -> None:
    assert load_settings(grpc_port=50052).grpc_port == 50052
