"""The sandbox hub's settings, standard and PKI (hub/serving/sandbox.py): kept apart
from the real hub's in every respect an operator would notice."""

from __future__ import annotations

from pathlib import Path

import pytest

from carbonhub_contract.key_files import write_ed25519_keypair
from hub.domain.identity import Role
from hub.serving.sandbox import (
    SANDBOX_PARTNER,
    SandboxRefused,
    prepare_sandbox_pki,
    prepare_sandbox_standard,
    sandbox_partner_key,
    sandbox_settings,
)
from hub.settings import HubSettings
from hub.standard import default_standards_dir, load_standard


def test_the_sandbox_keeps_its_ledger_pki_and_standard_apart(tmp_path: Path) -> None:
    real = HubSettings(data_dir=tmp_path / "hub-data")
    sandbox = sandbox_settings(real, None)
    folder = tmp_path / "hub-data" / "sandbox"
    assert sandbox.resolved_database_url() == f"sqlite:///{(folder / 'hub.db').resolve()}"
    assert sandbox.resolved_database_url() != real.resolved_database_url()
    assert sandbox.resolved_pki_dir() == folder / "pki"
    assert sandbox.standards_dir == folder / "standards"
    # Beside a real hub on its default ports.
    assert (sandbox.grpc_port, sandbox.http_port) == (50061, 0)


def test_ports_asked_for_are_kept(tmp_path: Path) -> None:
    real = HubSettings(data_dir=tmp_path, grpc_port=0, http_port=8181)
    assert (sandbox_settings(real, None).grpc_port, sandbox_settings(real, None).http_port) == (
        0,
        8181,
    )


def test_a_sandbox_on_the_real_ledger_is_refused(tmp_path: Path) -> None:
    real = HubSettings(data_dir=tmp_path, database_url="postgresql+psycopg://h/real")
    with pytest.raises(SandboxRefused) as refused:
        sandbox_settings(real, "postgresql+psycopg://h/real")
    assert refused.value.code == "SANDBOX_LEDGER_NOT_APART"
    other = sandbox_settings(real, "postgresql+psycopg://h/sandbox")
    assert other.resolved_database_url() == "postgresql+psycopg://h/sandbox"


def test_the_sandbox_standard_has_the_sandbox_partner_and_the_real_one_does_not(
    tmp_path: Path,
) -> None:
    real = HubSettings(data_dir=tmp_path)
    sandbox = sandbox_settings(real, None)
    standard = load_standard(prepare_sandbox_standard(real, sandbox))
    assert SANDBOX_PARTNER in standard.partners()
    assert "CN-MO" in standard.partners()
    assert standard.crosswalk_entry(SANDBOX_PARTNER, "METRO") is not None
    assert SANDBOX_PARTNER not in load_standard(default_standards_dir()).partners()


def test_the_sandbox_pki_is_its_own_and_issues_the_partner_once(tmp_path: Path) -> None:
    sandbox = sandbox_settings(HubSettings(data_dir=tmp_path), None)
    authority = prepare_sandbox_pki(sandbox)
    again = prepare_sandbox_pki(sandbox)
    partners = [c for c in again.issued() if c.role is Role.PARTNER]
    assert [c.partner for c in partners] == [SANDBOX_PARTNER]
    assert authority.pki_dir == tmp_path / "sandbox" / "pki"


def test_the_partner_key_is_the_partners_own_or_made_once(tmp_path: Path) -> None:
    sandbox = sandbox_settings(HubSettings(data_dir=tmp_path), None)
    write_ed25519_keypair(tmp_path / "own.key", tmp_path / "own.pub")
    own, made = sandbox_partner_key(sandbox, tmp_path / "own.pub")
    assert made is None and len(own) == 32
    first, private = sandbox_partner_key(sandbox, None)
    second, _ = sandbox_partner_key(sandbox, None)
    assert private == tmp_path / "sandbox" / "partner" / "signing.key"
    assert first == second != own
