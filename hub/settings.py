"""The hub's settings: one object, built once by the entry point, injected.

Precedence, highest first: explicit values (command-line flags), the
environment (``HUB_`` prefix, e.g. ``HUB_DATABASE_URL``), a TOML config
file (``--config``), the defaults below. Nothing here runs at import time.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from hub.errors import InvalidRequest

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


class SettingsRefused(InvalidRequest, ValueError):
    """Settings that cannot be used: CONFIG_INVALID (the TOML file is missing
    or not TOML) or SETTING_INVALID (a value of the wrong type or range, or a
    name that is no setting). One line, naming the file or the setting.
    A ValueError too, as callers of HubSettings have always caught."""


class HubSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUB_", extra="forbid", validate_default=True)

    config_file: Path | None = Field(default=None, description="TOML file with further settings")
    data_dir: Path = Field(
        default=Path("hub-data"), description="where the embedded database lives"
    )
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite (WAL) in data_dir"
    )
    standards_dir: Path | None = Field(
        default=None, description="default: the repository's standards/"
    )
    grpc_host: str = "127.0.0.1"
    grpc_port: int = Field(default=50051, ge=0, le=65535, description="0 picks a free port")
    insecure: bool = Field(default=False, description="plaintext gRPC, loopback only (development)")
    grpc_workers: int = Field(default=16, ge=1, le=256)
    max_claims_per_envelope: int = Field(default=5000, ge=1, le=100_000)
    max_message_bytes: int = Field(default=32 * 1024 * 1024, ge=1024)
    issuance_interval: float = Field(
        default=2.0,
        ge=0,
        description="seconds between background issuance runs of `serve` (0: none)",
    )
    points_expiry_interval: float = Field(
        default=60.0,
        ge=0,
        description="seconds between the background issuer's sweeps for expired carbon "
        "points (0: every issuance run); a redemption expires its person's due points itself",
    )
    exchange_poll_interval: float = Field(
        default=0.5, gt=0, le=60, description="seconds between outbox polls of a follow stream"
    )
    gc_young_threshold: int = Field(
        default=50_000,
        ge=0,
        description="`serve`: allocations between young garbage collections, with the "
        "start-up heap frozen out of collection (0: the interpreter's defaults)",
    )
    write_retries: int = Field(
        default=8, ge=1, le=100, description="re-decisions of a batch after a concurrent writer won"
    )
    pki_dir: Path | None = Field(
        default=None,
        description="hub PKI: CA, server certificate, CRL, hub signing key (default data_dir/pki)",
    )
    # Limits per caller (a partner region, the exchange, a bureau officer).
    # They are per hub process: behind a load balancer each replica applies them.
    rate_requests_per_second: float = Field(default=200.0, gt=0, description="RPCs and envelopes")
    rate_requests_burst: int = Field(default=400, ge=1)
    rate_claims_per_second: float = Field(default=200_000.0, gt=0)
    rate_claims_burst: int = Field(default=400_000, ge=1)
    max_streams_per_caller: int = Field(
        default=4, ge=1, le=256, description="open streaming calls per caller"
    )
    max_concurrent_rpcs: int = Field(
        default=64, ge=1, description="beyond this the server answers RESOURCE_EXHAUSTED"
    )
    stream_idle_timeout: float = Field(
        default=60.0,
        gt=0,
        description="seconds a SubmitClaims stream may wait for its next envelope",
    )
    stream_max_lifetime: float = Field(
        default=3600.0, gt=0, description="seconds any stream may stay open"
    )
    audit_checkpoint_interval: float = Field(
        default=60.0,
        ge=0,
        description="seconds between signed audit checkpoints of `serve` (0: none)",
    )

    # HTTP: public disclosure and the bureau console (hub.http_api).
    http_host: str = Field(default="127.0.0.1", description="address the HTTP side binds")
    http_port: int = Field(default=8080, ge=0, le=65535, description="HTTP port (0: no HTTP)")
    session_secret: SecretStr | None = Field(
        default=None,
        description="key signing console session cookies (default: made once, kept 0600 "
        "in data_dir/console-session.key)",
    )
    session_max_age: int = Field(
        default=8 * 3600, ge=60, le=7 * 24 * 3600, description="seconds a console login lasts"
    )
    session_cookie_secure: bool = Field(
        default=False,
        description="send the console cookie over HTTPS only (set behind a TLS proxy)",
    )
    login_max_failures: int = Field(
        default=5, ge=1, le=100, description="failed console logins per username per window"
    )
    login_window: float = Field(
        default=900.0, gt=0, description="seconds over which failed logins are counted"
    )

    # Operating the hub (hub.observability).
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        default="info",
        description="least severe log line written: info gives one line per call, "
        "request, issuance and checkpoint",
    )
    log_format: Literal["auto", "json", "text"] = Field(
        default="auto",
        description="json: one JSON object per line; text: readable; auto: text on a "
        "terminal, json otherwise",
    )

    @field_validator("log_level", "log_format", mode="before")
    @classmethod
    def _lower_case(cls, value: Any) -> Any:
        # HUB_LOG_LEVEL=INFO and =info alike.
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("database_url")
    @classmethod
    def _url_not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            return None
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = _config_file_from(init_settings, env_settings)
        if config_file is not None:
            sources.append(_toml_source(settings_cls, config_file))
        return tuple(sources)

    def resolved_pki_dir(self) -> Path:
        return self.pki_dir if self.pki_dir is not None else self.data_dir / "pki"

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'hub.db').resolve()}"


def _config_file_from(*sources: PydanticBaseSettingsSource) -> Path | None:
    for source in sources:
        values: dict[str, Any] = source()
        value = values.get("config_file")
        if value:
            path = Path(value)
            if not path.is_file():
                raise SettingsRefused("CONFIG_INVALID", f"config file {path} does not exist")
            return path
    return None


def _toml_source(settings_cls: type[BaseSettings], path: Path) -> TomlConfigSettingsSource:
    try:
        return TomlConfigSettingsSource(settings_cls, toml_file=path)
    except tomllib.TOMLDecodeError as problem:
        # The decoder's message ends with "(at line L, column C)".
        raise SettingsRefused(
            "CONFIG_INVALID", f"config file {path} is not valid TOML: {problem}"
        ) from problem
    except (OSError, UnicodeDecodeError) as problem:
        raise SettingsRefused(
            "CONFIG_INVALID", f"config file {path} cannot be read: {problem}"
        ) from problem


def load_settings(**given: Any) -> HubSettings:
    """HubSettings from explicit values, the environment and the config file,
    or SettingsRefused with one line naming what is wrong (no pydantic dump)."""
    try:
        return HubSettings(**given)
    except ValidationError as problem:
        raise settings_refusal(problem) from problem


def settings_refusal(problem: ValidationError) -> SettingsRefused:
    """SETTING_INVALID for a HubSettings validation: each setting at fault, one line."""
    return SettingsRefused(
        "SETTING_INVALID", "; ".join(_setting_problem(e) for e in problem.errors())
    )


def _setting_problem(error: Any) -> str:
    name = ".".join(str(part) for part in error["loc"]) or "settings"
    source = f"from a flag, HUB_{name.upper()} or the config file"
    if error["type"] == "extra_forbidden":
        return f"{name} is not a setting (from HUB_{name.upper()} or the config file)"
    return f"{name} ({source}): {error['msg']}; got {error['input']!r}"
