"""The trust set-up a demo (or a test) needs: a hub PKI, one client certificate
per party, each partner's signing key registered with its agreement.

Everything lives under one folder and is reused when it exists, so a second
``carbon-hub demo --data-dir D`` connects with the same certificates and
keys (and its partners go on numbering from the hub's last sequence).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import grpc

from adapters.partner_signing import PartnerSigner
from carbonhub_contract.key_files import write_ed25519_keypair
from carbonhub_contract.signing import PublicKey, Signer
from hub.domain.identity import Role
from hub.services.partner_keys import PartnerKeyService
from hub.trust.certificate_index import IssuedCertificate
from hub.trust.pki import Authority, init_authority, load_authority
from hub.trust.pki_layout import PkiLayout
from hub.trust.tls import secure_channel

EXCHANGE_NAME = "exchange"
DEMO_OFFICER = "demo-officer"


@dataclass(frozen=True)
class Party:
    """A client of the hub: its certificate and key of the hub PKI."""

    name: str
    certificate: Path
    key: Path


@dataclass
class DemoTrust:
    pki_dir: Path
    parties: dict[str, Party] = field(default_factory=dict)
    signing_keys: dict[str, Path] = field(default_factory=dict)  # partner -> signing.key

    @property
    def ca(self) -> Path:
        return PkiLayout(self.pki_dir).ca_certificate

    @property
    def hub_key(self) -> PublicKey:
        return PublicKey.from_file(PkiLayout(self.pki_dir).signing_public_key)

    def channel(self, address: str, party: str) -> grpc.Channel:
        who = self.parties[party]
        return secure_channel(address, ca=self.ca, cert=who.certificate, key=who.key)

    def signer(self, partner: str, channel: grpc.Channel) -> PartnerSigner:
        """The partner's signer, numbering on from the hub's last sequence."""
        return PartnerSigner.synced(partner, Signer.from_file(self.signing_keys[partner]), channel)


def _current(authority: Authority, subject: str, role: Role) -> IssuedCertificate | None:
    now = datetime.now(UTC)
    for issued in reversed(authority.issued()):
        if (
            issued.subject == subject
            and issued.role is role
            and not issued.revoked
            and issued.not_after > now
        ):
            return issued
    return None


def _party(authority: Authority, role: Role, partner: str | None, name: str) -> Party:
    issued = _current(authority, name, role)
    if issued is None:
        issued = authority.issue(role, partner=partner, name=name)
    return Party(name, issued.certificate_path, issued.key_path)


def ensure_authority(pki_dir: Path) -> Authority:
    """The CA of ``pki_dir``, made when there is none yet (with the hub signing key)."""
    if PkiLayout(pki_dir).ca_certificate.is_file():
        return load_authority(pki_dir)
    return init_authority(pki_dir)


def prepare_trust(
    folder: Path,
    partners: list[str],
    keys: PartnerKeyService,
    *,
    bureau_officers: tuple[str, ...] = (DEMO_OFFICER,),
) -> DemoTrust:
    """A PKI in ``folder/pki`` with certificates for the partners, the exchange
    and bureau officers; partner signing keys in ``folder/partners/<code>``,
    registered with the hub by the demo officer (audited like any key)."""
    pki_dir = folder / "pki"
    authority = ensure_authority(pki_dir)
    trust = DemoTrust(pki_dir)
    for partner in partners:
        trust.parties[partner] = _party(authority, Role.PARTNER, partner, partner)
        key_dir = folder / "partners" / partner
        private = key_dir / "signing.key"
        if not private.is_file():
            write_ed25519_keypair(private, key_dir / "signing.pub")
        trust.signing_keys[partner] = private
        keys.register(partner, Signer.from_file(private).public_key, DEMO_OFFICER)
    trust.parties[EXCHANGE_NAME] = _party(authority, Role.EXCHANGE, None, EXCHANGE_NAME)
    for officer in bureau_officers:
        trust.parties[officer] = _party(authority, Role.BUREAU, None, officer)
    return trust
