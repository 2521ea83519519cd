"""Clients of a real hub over mutual TLS, as each party holds them.

Every party (CN-GD, CN-HK, the exchange, a bureau officer) connects with its
own certificate of the hub PKI; partner writes are signed with the partner's
registered key. ``PartnerStub`` keeps tests readable: it takes the plain
request messages, picks the channel and key of the partner the message
names, and signs it with the next sequence number, as an adapter does.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc

from adapters.partner_signing import PartnerSigner
from carbonhub_contract.generated.carbonhub.v1 import bureau_pb2_grpc as bureau_grpc
from carbonhub_contract.generated.carbonhub.v1 import exchange_pb2_grpc as exchange_grpc
from carbonhub_contract.generated.carbonhub.v1 import ledger_pb2 as ledger_pb
from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from carbonhub_contract.generated.carbonhub.v1 import partner_pb2_grpc as partner_grpc
from carbonhub_contract.vocabulary.envelopes import PayloadType
from carbonhub_tools.demo.trust import EXCHANGE_NAME, DemoTrust, prepare_trust
from hub.services.partner_keys import PartnerKeyService

PARTNERS = ("CN-GD", "CN-HK")
OFFICER = "officer-wang"


@dataclass
class TrustedClients:
    trust: DemoTrust
    address: str
    channels: dict[str, grpc.Channel] = field(default_factory=dict)
    _signers: dict[str, PartnerSigner] = field(default_factory=dict)

    @classmethod
    def prepare(cls, folder: Path, keys: PartnerKeyService) -> DemoTrust:
        """The PKI and partner keys; call before the hub serves."""
        return prepare_trust(folder, list(PARTNERS), keys, bureau_officers=(OFFICER,))

    def channel(self, party: str) -> grpc.Channel:
        if party not in self.channels:
            self.channels[party] = self.trust.channel(self.address, party)
        return self.channels[party]

    def signer(self, partner: str) -> PartnerSigner:
        if partner not in self._signers:
            self._signers[partner] = self.trust.signer(partner, self.channel(partner))
        return self._signers[partner]

    def partner_stub(self, partner: str = "CN-GD") -> partner_grpc.PartnerServiceStub:
        return partner_grpc.PartnerServiceStub(self.channel(partner))

    def exchange_stub(self) -> exchange_grpc.ExchangeServiceStub:
        return exchange_grpc.ExchangeServiceStub(self.channel(EXCHANGE_NAME))

    def bureau_stub(self) -> bureau_grpc.BureauServiceStub:
        return bureau_grpc.BureauServiceStub(self.channel(OFFICER))

    def close(self) -> None:
        for channel in self.channels.values():
            channel.close()
        self.channels.clear()


class PartnerStub:
    """The PartnerService as a partner's adapter calls it: plain messages in,
    signed with the key of the partner each message names (``as_partner``
    overrides whose certificate and key are used, to test refusals)."""

    def __init__(self, clients: TrustedClients, as_partner: str | None = None) -> None:
        self._clients = clients
        self._as = as_partner

    def _who(self, named: str) -> str:
        if self._as is not None:
            return self._as
        return named if named in PARTNERS else "CN-GD"

    def _stub(self, partner: str) -> partner_grpc.PartnerServiceStub:
        return self._clients.partner_stub(partner)

    def sign(self, payload_type: PayloadType, message: Any) -> ledger_pb.SignedPayload:
        return self._clients.signer(self._who(message.partner)).sign(payload_type, message)

    def SubmitClaims(
        self, envelopes: Iterable[pb.ClaimEnvelope], **kwargs: Any
    ) -> Iterator[pb.VerdictBatch]:
        items = list(envelopes)
        who = self._who(items[0].partner if items else "CN-GD")
        signed = [self.sign(PayloadType.CLAIM_ENVELOPE, e) for e in items]
        return self._stub(who).SubmitClaims(iter(signed), **kwargs)  # type: ignore[no-any-return]

    def RegisterProjects(
        self, request: pb.RegisterProjectsRequest, **kwargs: Any
    ) -> pb.RegisterProjectsResponse:
        signed = self.sign(PayloadType.PROJECTS, request)
        return self._stub(self._who(request.partner)).RegisterProjects(signed, **kwargs)  # type: ignore[no-any-return]

    def AttestSourceCancellation(
        self, request: pb.SourceCancellationAttestation, **kwargs: Any
    ) -> pb.AttestationResult:
        signed = self.sign(PayloadType.SOURCE_CANCELLATION, request)
        stub = self._stub(self._who(request.partner))
        return stub.AttestSourceCancellation(signed, **kwargs)  # type: ignore[no-any-return]

    def AttestAccountingAdjustment(
        self, request: pb.AccountingAdjustmentAttestation, **kwargs: Any
    ) -> pb.AttestationResult:
        signed = self.sign(PayloadType.ACCOUNTING_ADJUSTMENT, request)
        stub = self._stub(self._who(request.partner))
        return stub.AttestAccountingAdjustment(signed, **kwargs)  # type: ignore[no-any-return]

    def RedeemPoints(self, request: pb.RedeemPointsRequest, **kwargs: Any) -> pb.PointsRedemption:
        signed = self.sign(PayloadType.POINTS_REDEMPTION, request)
        return self._stub(self._who(request.partner)).RedeemPoints(signed, **kwargs)  # type: ignore[no-any-return]

    def __getattr__(self, name: str) -> Any:
        # Reads (GetClaimStatus, reconciliation, sequence) need no signature:
        # they go out on the channel of the partner the stub acts as.
        return getattr(self._stub(self._as or "CN-GD"), name)
