"""`carbon-hub serve` as separate OS processes, for races between hub replicas.

The processes serve mutual TLS, as in production: ``prepare_trust`` makes a
PKI for the test (client certificates for the partners and the exchange) and
registers each partner's signing key in the shared database before any hub
starts. Partners then reach a hub with their own certificate and sign every
write; ``PartnerSender`` does so for one of several concurrent senders of a
partner.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import grpc

from adapters.partner_signing import PartnerSigner
from carbonhub_contract.error_details import overtaken_write
from carbonhub_contract.generated.carbonhub.v1 import ledger_pb2 as ledger_pb
from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from carbonhub_contract.generated.carbonhub.v1 import partner_pb2_grpc as pb_grpc
from carbonhub_contract.signing import Signer
from carbonhub_contract.vocabulary.envelopes import PayloadType
from carbonhub_tools.demo.trust import DemoTrust
from carbonhub_tools.demo.trust import prepare_trust as prepare_demo_trust
from hub.bootstrap import build_hub
from hub.serving.serve_process import HubProcess
from hub.settings import HubSettings

# Each refusal of a sender means another sender's write was committed in
# between, so replays are bounded by the writes of the test; this is a
# backstop against a hub that refuses forever.
MAX_REPLAYS = 1000


def prepare_trust(folder: Path, database_url: str, partners: Sequence[str]) -> DemoTrust:
    """A PKI in ``folder/pki`` with certificates for ``partners`` and the exchange,
    and each partner's signing key registered in the database at ``database_url``.

    Registering goes through a Hub built in this process on the same
    database, closed again before the hub processes start: the key is in the
    database they share, as `carbon-hub keys register` would leave it.
    """
    settings = HubSettings(database_url=database_url, data_dir=folder / "registrar")
    hub = build_hub(settings)
    try:
        return prepare_demo_trust(folder, list(partners), hub.partner_keys, bureau_officers=())
    finally:
        hub.close()


def start_hub(
    database_url: str, data_dir: Path, *, pki_dir: Path, **extra_env: str
) -> tuple[HubProcess, str]:
    """A `carbon-hub serve` OS process with mutual TLS on a free port, and its address.
    No HTTP side unless ``HUB_HTTP_PORT`` is given: hubs of parallel tests would
    race for 8080."""
    hub = HubProcess("test", database_url, data_dir, pki_dir=pki_dir, env=extra_env)
    return hub, hub.start()


def stop_hub(hub: HubProcess) -> None:
    hub.stop()


def _signed_envelopes(
    signer: PartnerSigner, envelopes: Sequence[pb.ClaimEnvelope]
) -> Iterator[ledger_pb.SignedPayload]:
    # Signed as gRPC asks for the next message, so the number is taken as
    # late as possible; each attempt signs its own copies, so an abandoned
    # attempt can never renumber what the next one sends.
    for envelope in envelopes:
        copy = pb.ClaimEnvelope()
        copy.CopyFrom(envelope)
        yield signer.sign(PayloadType.CLAIM_ENVELOPE, copy)


class PartnerSender:
    """One of several concurrent senders of one partner's signed writes.

    A partner's sequence is strictly increasing over all its writes, whichever
    hub replica receives them, so concurrent senders overtake one another:
    the overtaken write is refused with ENVELOPE_REPLAYED and records
    nothing. The sender then asks the hub for the partner's last sequence
    (GetPartnerSequence) and sends again what was not answered, as an adapter
    would. ``replays`` counts those refusals.
    """

    def __init__(self, channel: grpc.Channel, partner: str, key: Signer) -> None:
        self._channel = channel
        self._partner = partner
        self._key = key
        self._stub = pb_grpc.PartnerServiceStub(channel)
        self._signer = PartnerSigner.synced(partner, key, channel)
        self.replays = 0

    def _resync(self, error: grpc.RpcError) -> None:
        if not overtaken_write(error):
            raise error
        self.replays += 1
        if self.replays > MAX_REPLAYS:
            raise AssertionError(f"{self._partner}: {self.replays} writes refused as replays")
        self._signer = PartnerSigner.synced(self._partner, self._key, self._channel)

    def submit(
        self, envelopes: Sequence[pb.ClaimEnvelope], *, timeout: float
    ) -> list[pb.VerdictBatch]:
        """One verdict batch per envelope, in order, however often overtaken.

        The hub answers envelopes in order and records each before answering
        it, so after a refusal exactly the unanswered ones are sent again.
        """
        answered: list[pb.VerdictBatch] = []
        while len(answered) < len(envelopes):
            pending = envelopes[len(answered) :]
            try:
                for batch in self._stub.SubmitClaims(
                    _signed_envelopes(self._signer, pending), timeout=timeout
                ):
                    answered.append(batch)
            except grpc.RpcError as error:
                self._resync(error)
        return answered

    def register_projects(
        self, request: pb.RegisterProjectsRequest, *, timeout: float
    ) -> pb.RegisterProjectsResponse:
        while True:
            copy = pb.RegisterProjectsRequest()
            copy.CopyFrom(request)
            try:
                response: pb.RegisterProjectsResponse = self._stub.RegisterProjects(
                    self._signer.sign(PayloadType.PROJECTS, copy), timeout=timeout
                )
            except grpc.RpcError as error:
                self._resync(error)
                continue
            return response
