"""HubSettings: explicit values > HUB_ environment > TOML config file > defaults."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from hub.settings import HubSettings


@pytest.fixture(autouse=True)
def _no_hub_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Neither the caller's HUB_ variables nor a stray .env may leak into these tests."""
    for name in list(os.environ):
        if name.upper().startswith("HUB_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def _toml(tmp_path: Path, text: str, name: str = "hub.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults() -> None:
    settings = HubSettings()

    assert settings.grpc_host == "127.0.0.1"
    assert settings.grpc_port == 50051
    assert settings.insecure is False
    assert settings.data_dir == Path("hub-data")
    assert settings.database_url is None
    assert settings.config_file is None
    assert settings.write_retries == 8


def test_environment_overrides_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HUB_GRPC_PORT", "6001")
    monkeypatch.setenv("HUB_INSECURE", "true")
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path / "env-data"))
    monkeypatch.setenv("HUB_DATABASE_URL", "postgresql+psycopg://hub@db.example/hub")

    settings = HubSettings()

    assert settings.grpc_port == 6001
    assert settings.insecure is True
    assert settings.data_dir == tmp_path / "env-data"
    assert settings.database_url == "postgresql+psycopg://hub@db.example/hub"


def test_explicit_values_override_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_GRPC_PORT", "6001")
    monkeypatch.setenv("HUB_GRPC_HOST", "localhost")

    settings = HubSettings(grpc_port=7001)

    assert settings.grpc_port == 7001
    assert settings.grpc_host == "localhost"  # not given explicitly: the environment's


def test_config_file_overrides_defaults(tmp_path: Path) -> None:
    config = _toml(
        tmp_path,
        f'grpc_port = 5001\ngrpc_host = "::1"\ninsecure = true\n'
        f'data_dir = "{(tmp_path / "toml-data").as_posix()}"\nwrite_retries = 3\n',
    )

    settings = HubSettings(config_file=config)

    assert settings.grpc_port == 5001
    assert settings.grpc_host == "::1"
    assert settings.insecure is True
    assert settings.data_dir == tmp_path / "toml-data"
    assert settings.write_retries == 3
    assert settings.max_claims_per_envelope == 5000  # not in the file: the default


def test_environment_overrides_the_config_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = _toml(tmp_path, "grpc_port = 5001\nwrite_retries = 3\n")
    monkeypatch.setenv("HUB_GRPC_PORT", "6001")

    settings = HubSettings(config_file=config)

    assert settings.grpc_port == 6001
    assert settings.write_retries == 3


def test_explicit_values_override_environment_and_config_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = _toml(tmp_path, "grpc_port = 5001\n")
    monkeypatch.setenv("HUB_GRPC_PORT", "6001")

    assert HubSettings(config_file=config, grpc_port=7001).grpc_port == 7001


def test_config_file_named_in_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = _toml(tmp_path, "grpc_port = 5001\n")
    monkeypatch.setenv("HUB_CONFIG_FILE", str(config))

    settings = HubSettings()

    assert settings.grpc_port == 5001
    assert settings.config_file == config


def test_explicit_config_file_wins_over_the_one_in_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from_env = _toml(tmp_path, "grpc_port = 5001\n", name="env.toml")
    explicit = _toml(tmp_path, "grpc_port = 5002\n", name="explicit.toml")
    monkeypatch.setenv("HUB_CONFIG_FILE", str(from_env))

    assert HubSettings(config_file=explicit).grpc_port == 5002


def test_a_missing_config_file_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.toml"

    with pytest.raises(ValueError, match=r"config file .*nowhere\.toml does not exist"):
        HubSettings(config_file=missing)


def test_an_unknown_key_in_the_config_file_is_refused(tmp_path: Path) -> None:
    config = _toml(tmp_path, "grpc_prot = 5001\n")  # typo

    with pytest.raises(ValidationError, match="grpc_prot"):
        HubSettings(config_file=config)


def test_database_url_defaults_to_sqlite_in_the_data_dir(tmp_path: Path) -> None:
    settings = HubSettings(data_dir=tmp_path / "data")

    url = settings.resolved_database_url()

    assert url.startswith("sqlite:///")
    database = Path(url.removeprefix("sqlite:///"))
    assert database.parent == (tmp_path / "data").resolve()
    assert database.name  # a file inside the data dir, not the dir itself


def test_default_database_path_is_absolute_even_for_a_relative_data_dir(tmp_path: Path) -> None:
    url = HubSettings(data_dir=Path("relative")).resolved_database_url()

    database = Path(url.removeprefix("sqlite:///"))
    assert database.is_absolute()
    assert database.parent == (tmp_path / "relative").resolve()


def test_an_explicit_database_url_is_used_as_given() -> None:
    url = "postgresql+psycopg://hub@db.example:5432/hub"

    assert HubSettings(database_url=url).resolved_database_url() == url


def test_a_blank_database_url_means_the_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HUB_DATABASE_URL", "  ")

    settings = HubSettings(data_dir=tmp_path)

    assert settings.database_url is None
    assert settings.resolved_database_url().startswith("sqlite:///")


@pytest.mark.parametrize("port", [-1, 65536, 70000])
def test_an_out_of_range_port_is_refused(port: int) -> None:
    with pytest.raises(ValidationError, match="grpc_port"):
        HubSettings(grpc_port=port)


@pytest.mark.parametrize("value", ["not-a-port", "65536"])
def test_an_invalid_port_in_the_environment_is_refused(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("HUB_GRPC_PORT", value)

    with pytest.raises(ValidationError, match="grpc_port"):
        HubSettings()


def test_an_invalid_port_in_the_config_file_is_refused(tmp_path: Path) -> None:
    config = _toml(tmp_path, "grpc_port = 99999\n")

    with pytest.raises(ValidationError, match="grpc_port"):
        HubSettings(config_file=config)


def test_port_zero_means_any_free_port() -> None:
    assert HubSettings(grpc_port=0).grpc_port == 0


def test_an_unknown_setting_is_refused() -> None:
    with pytest.raises(ValidationError):
        HubSettings(grpc_prot=1)  # type: ignore[call-arg]
