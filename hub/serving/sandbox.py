"""The sandbox hub (`carbon-hub serve --sandbox`): where a partner proves its
side of the contract (`carbon-hub-adapter conformance`) before the bureau
registers its production key.

Everything of a sandbox is kept apart from the real hub, so nothing done in
it can count, issue or be trusted there:

- its ledger is its own: ``DATA_DIR/sandbox/hub.db``, or a ``--database-url``
  given on the command line that must differ from the real hub's (the
  ``HUB_DATABASE_URL`` / config URL is the real one and is never used);
- its PKI is its own (``DATA_DIR/sandbox/pki``): a CA, server certificate
  and hub signing key of its own, so a sandbox certificate is refused by
  the real hub and a real one by the sandbox;
- it serves gRPC on 50061 and no HTTP unless ports are given, so it can
  run beside a real hub on the default ports;
- its one partner is the sandbox partner ``ZZ-SBX`` (ISO 3166 keeps ``ZZ``
  for user assignment: it is no region's code), whose agreement and
  crosswalk exist only in the sandbox's copy of the standard
  (``DATA_DIR/sandbox/standards``); the real partners' agreements are
  there too, unchanged, but no certificate of the sandbox names them.

The sandbox partner reports light-rail rides (``METRO``) as personal
activity under SZ-TRANSIT-METRO and, like a cross-border partner, must
name an accounting-adjustment reference on each claim, so a conformance run
exercises claims, verdicts, receipts, an attestation and a reconciliation.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from carbonhub_contract.key_files import load_ed25519_public, public_key_raw, write_ed25519_keypair
from hub.domain.identity import Role
from hub.errors import InvalidRequest
from hub.settings import HubSettings
from hub.standard import default_standards_dir
from hub.trust.pki import Authority, init_authority, load_authority
from hub.trust.pki_layout import PkiLayout

SANDBOX_PARTNER = "ZZ-SBX"
SANDBOX_METHODOLOGY = "METRO"
SANDBOX_OFFICER = "sandbox"
SANDBOX_FOLDER = "sandbox"
SANDBOX_GRPC_PORT = 50061  # the real hub's default is 50051

# The sandbox partner's agreement and crosswalk. No number here is a real
# partner's: they exist so the contract can be exercised, and say so.
_AGREEMENT = f"""\
# The sandbox partner of `carbon-hub serve --sandbox` (hub/serving/sandbox.py): a test
# identity for conformance runs, never a real region. Written by the sandbox
# into its own copy of the standard; the real hub's standards/ never has it.
partner: {SANDBOX_PARTNER}
name_zh: 沙盒合作方（一致性测试）
name_en: Sandbox partner (conformance runs)
region: {{iso_3166_2: {SANDBOX_PARTNER}, gbt2260_prefix: "44", name_zh: 沙盒, name_en: Sandbox}}
time_zone: Asia/Shanghai
adjustment_ref_required: true
recognised:
  - {{partner_methodology: {SANDBOX_METHODOLOGY}, valid_from: 2022-01-01}}
project_review: bureau
platforms:
  - id: SANDBOX
    name: Sandbox rides
    operator_name: Sandbox operator
    operator_id: HUB-OP-ZZ-SBX-0001
    operator_id_scheme: hub
    default: true
    source: hub/serving/sandbox.py (a test platform of the sandbox partner)
    provisional: true
source: >-
  hub/serving/sandbox.py: the sandbox partner of conformance runs; no agreement with anyone,
  the window and the adjustment requirement are chosen to exercise the contract
provisional: true
"""

_CROSSWALK = f"""\
# The sandbox partner's crosswalk (hub/serving/sandbox.py): its light-rail rides are
# recomputed with the Shenzhen metro methodology, as Macao's are.
partner: {SANDBOX_PARTNER}
source: hub/serving/sandbox.py (test crosswalk of conformance runs)
provisional: true
entries:
  - partner_methodology: {SANDBOX_METHODOLOGY}
    name: Sandbox light-rail rides
    methodology: SZ-TRANSIT-METRO
    mode: recompute
    units: [km, pkm]
    source: hub/serving/sandbox.py (the Shenzhen metro parameters, as for Macao's light rail)
    provisional: true
"""


class SandboxRefused(InvalidRequest):
    """The sandbox cannot be kept apart from the real hub (SANDBOX_LEDGER_NOT_APART)."""


@dataclass(frozen=True)
class SandboxPartner:
    """What the operator hands the partner for a conformance run."""

    partner: str
    ca: Path
    certificate: Path
    key: Path
    hub_key: Path
    signing_key: Path | None  # made by the sandbox when the partner gave no public key
    key_id: str


def sandbox_folder(real: HubSettings) -> Path:
    return real.data_dir / SANDBOX_FOLDER


def sandbox_settings(real: HubSettings, database_url_flag: str | None) -> HubSettings:
    """The settings of the sandbox beside the real hub of ``real``.

    ``real`` is built without the command line's --database-url: its URL
    (environment, config, or the embedded default) is the real ledger's.
    """
    folder = sandbox_folder(real)
    url = database_url_flag or f"sqlite:///{(folder / 'hub.db').resolve()}"
    if url == real.resolved_database_url():
        raise SandboxRefused(
            "SANDBOX_LEDGER_NOT_APART",
            "--sandbox: the sandbox's --database-url is the real hub's ledger; give it "
            "a database of its own",
            {},
        )
    update: dict[str, object] = {
        "data_dir": folder,
        "database_url": database_url_flag,
        "pki_dir": folder / "pki",
        "standards_dir": folder / "standards",
    }
    # Beside a real hub on its default ports: the sandbox's own gRPC port and
    # no HTTP side, unless a port was asked for.
    if "grpc_port" not in real.model_fields_set:
        update["grpc_port"] = SANDBOX_GRPC_PORT
    if "http_port" not in real.model_fields_set:
        update["http_port"] = 0
    return real.model_copy(update=update)


def prepare_sandbox_standard(real: HubSettings, sandbox: HubSettings) -> Path:
    """The sandbox's standard: a fresh copy of the real one plus the sandbox
    partner's agreement and crosswalk (made anew at each start, so a filed
    change of the real standard reaches the sandbox)."""
    assert sandbox.standards_dir is not None
    target = sandbox.standards_dir
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(real.standards_dir or default_standards_dir(), target)
    (target / "agreements" / f"{SANDBOX_PARTNER}.yaml").write_text(_AGREEMENT, encoding="utf-8")
    (target / "crosswalks" / f"{SANDBOX_PARTNER}.yaml").write_text(_CROSSWALK, encoding="utf-8")
    return target


def prepare_sandbox_pki(sandbox: HubSettings, hosts: tuple[str, ...] = ()) -> Authority:
    """The sandbox's own CA (made on first start) and its partner's certificate."""
    pki_dir = sandbox.resolved_pki_dir()
    if PkiLayout(pki_dir).ca_certificate.is_file():
        authority = load_authority(pki_dir)
    else:
        authority = init_authority(pki_dir, hosts=hosts)
    if _current_partner_certificate(authority) is None:
        authority.issue(Role.PARTNER, partner=SANDBOX_PARTNER)
    return authority


def _current_partner_certificate(authority: Authority) -> tuple[Path, Path] | None:
    now = datetime.now(UTC)
    for issued in reversed(authority.issued()):
        if (
            issued.partner == SANDBOX_PARTNER
            and issued.role is Role.PARTNER
            and not issued.revoked
            and issued.not_after > now
        ):
            return issued.certificate_path, issued.key_path
    return None


def sandbox_partner_key(sandbox: HubSettings, public_key: Path | None) -> tuple[bytes, Path | None]:
    """The sandbox partner's public signing key: the partner's own (--sandbox-partner-key)
    or one the sandbox makes and keeps in DATA_DIR/sandbox/partner/ for it."""
    if public_key is not None:
        return public_key_raw(load_ed25519_public(public_key)), None
    folder = sandbox.data_dir / "partner"
    private, public = folder / "signing.key", folder / "signing.pub"
    if not private.is_file():
        write_ed25519_keypair(private, public)
    return public_key_raw(load_ed25519_public(public)), private


def sandbox_partner(authority: Authority, key_id: str, signing_key: Path | None) -> SandboxPartner:
    current = _current_partner_certificate(authority)
    assert current is not None  # prepare_sandbox_pki issued it
    layout = PkiLayout(authority.layout.root)
    return SandboxPartner(
        partner=SANDBOX_PARTNER,
        ca=layout.ca_certificate,
        certificate=current[0],
        key=current[1],
        hub_key=layout.signing_public_key,
        signing_key=signing_key,
        key_id=key_id,
    )
