"""What the issue's probe does, against a real hub over mutual TLS: identities
and roles from certificates, signed envelopes with replay protection,
signed receipts, key rotation and revocation, limits.

Every refusal is asserted with its code, and with the ledger unchanged.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import grpc
import pytest

from adapters.partner_signing import PartnerSigner
from carbonhub_contract.error_details import error_info
from carbonhub_contract.generated.carbonhub.v1 import bureau_pb2 as bureau_pb
from carbonhub_contract.generated.carbonhub.v1 import exchange_pb2 as ex
from carbonhub_contract.generated.carbonhub.v1 import ledger_pb2 as ledger_pb
from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from carbonhub_contract.generated.carbonhub.v1 import partner_pb2_grpc as pb_grpc
from carbonhub_contract.key_files import write_ed25519_keypair
from carbonhub_contract.receipts import verify_block, verify_claim_status, verify_verdict_batch
from carbonhub_contract.signing import Signer, verify_ed25519
from carbonhub_contract.vocabulary.envelopes import PayloadType, pae
from hub.domain.identity import Role
from hub.domain.signed_payloads import SignedRecord
from hub.trust.pki import init_authority, load_authority
from hub.trust.tls import secure_channel
from tests.integration.grpc.ledger_helpers import (
    NOW,
    Running,
    hk_solar_claim,
    issue_pv_block,
    pv_claim,
    register_gd_project,
    running_hub,
)
from tests.trusted_clients import OFFICER


@pytest.fixture
def hub(tmp_path: Path, database_url: str) -> Iterator[Running]:
    with running_hub(tmp_path, database_url) as running:
        yield running


def _refusal(error: grpc.RpcError) -> tuple[grpc.StatusCode, str]:
    info = error_info(error)
    assert isinstance(error, grpc.Call)
    return error.code(), info.reason if info is not None else ""


def _claim_count(hub: Running, partner: str) -> int:
    with hub.hub.ingestion._uow_factory() as uow:
        return sum(uow.claims.count_by_decision(partner).values())


def _envelope(partner: str, *claims: pb.Claim) -> pb.ClaimEnvelope:
    return pb.ClaimEnvelope(partner=partner, delivery_id="PROBE-01", claims=list(claims))


def _submit_signed(
    hub: Running, party: str, *signed: ledger_pb.SignedPayload
) -> list[pb.VerdictBatch]:
    stub = hub.clients.partner_stub(party)
    return list(stub.SubmitClaims(iter(signed), timeout=10))


# --- connections --------------------------------------------------------------------


def test_a_connection_without_a_certificate_is_refused(hub: Running) -> None:
    credentials = grpc.ssl_channel_credentials(root_certificates=hub.clients.trust.ca.read_bytes())
    with grpc.secure_channel(hub.server.address, credentials) as channel:
        stub = pb_grpc.PartnerServiceStub(channel)
        with pytest.raises(grpc.RpcError) as refused:
            stub.GetPartnerSequence(pb.GetPartnerSequenceRequest(partner="CN-GD"), timeout=5)
    assert refused.value.code() == grpc.StatusCode.UNAVAILABLE


def test_a_plaintext_connection_is_refused(hub: Running) -> None:
    with (
        grpc.insecure_channel(hub.server.address) as channel,
        pytest.raises(grpc.RpcError) as refused,
    ):
        pb_grpc.PartnerServiceStub(channel).GetPartnerSequence(
            pb.GetPartnerSequenceRequest(partner="CN-GD"), timeout=5
        )
    assert refused.value.code() == grpc.StatusCode.UNAVAILABLE


def test_a_certificate_of_another_ca_is_refused(hub: Running, tmp_path: Path) -> None:
    foreign = init_authority(tmp_path / "foreign-pki").issue(Role.PARTNER, partner="CN-GD")
    channel = secure_channel(
        hub.server.address,
        ca=hub.clients.trust.ca,
        cert=foreign.certificate_path,
        key=foreign.key_path,
    )
    with channel, pytest.raises(grpc.RpcError) as refused:
        pb_grpc.PartnerServiceStub(channel).GetPartnerSequence(
            pb.GetPartnerSequenceRequest(partner="CN-GD"), timeout=5
        )
    assert refused.value.code() == grpc.StatusCode.UNAVAILABLE


def test_a_revoked_certificate_is_refused_without_a_restart(hub: Running) -> None:
    gd = hub.clients.partner_stub("CN-GD")
    ask = pb.GetPartnerSequenceRequest(partner="CN-GD")
    gd.GetPartnerSequence(ask, timeout=5)
    load_authority(hub.clients.trust.pki_dir).revoke("CN-GD", "key compromise")
    deadline = time.monotonic() + 5
    while True:  # the hub re-reads its CRL within a second of the change
        try:
            gd.GetPartnerSequence(ask, timeout=5)
        except grpc.RpcError as error:
            assert _refusal(error) == (grpc.StatusCode.UNAUTHENTICATED, "CERTIFICATE_REVOKED")
            break
        assert time.monotonic() < deadline, "the revocation never took effect"
        time.sleep(0.1)
    key = Signer.from_file(hub.clients.trust.signing_keys["CN-GD"])
    signed = PartnerSigner("CN-GD", key, 100).sign(
        PayloadType.CLAIM_ENVELOPE, _envelope("CN-GD", pv_claim("R-1", 1, 10))
    )
    with pytest.raises(grpc.RpcError) as refused:
        _submit_signed(hub, "CN-GD", signed)
    assert _refusal(refused.value) == (grpc.StatusCode.UNAUTHENTICATED, "CERTIFICATE_REVOKED")
    assert _claim_count(hub, "CN-GD") == 0
    # Hong Kong, on its own certificate, is still served.
    hk = hub.clients.partner_stub("CN-HK")
    hk.GetPartnerSequence(pb.GetPartnerSequenceRequest(partner="CN-HK"), timeout=5)


# --- roles and regions ------------------------------------------------------------------


def test_guangdong_cannot_submit_hong_kong_claims(hub: Running) -> None:
    # Signed with Hong Kong's own key even: the certificate decides the region.
    signed = hub.clients.signer("CN-HK").sign(
        PayloadType.CLAIM_ENVELOPE, _envelope("CN-HK", hk_solar_claim("HK-1"))
    )
    with pytest.raises(grpc.RpcError) as refused:
        _submit_signed(hub, "CN-GD", signed)
    assert _refusal(refused.value) == (grpc.StatusCode.PERMISSION_DENIED, "PARTNER_NOT_CALLER")
    assert _claim_count(hub, "CN-HK") == 0
    gd = hub.clients.partner_stub("CN-GD")
    for call in (
        lambda: gd.GetClaimStatus(pb.GetClaimStatusRequest(partner="CN-HK", record_id="HK-1")),
        lambda: gd.GetPartnerSequence(pb.GetPartnerSequenceRequest(partner="CN-HK")),
        lambda: gd.ListReconciliationRequests(
            ledger_pb.ListReconciliationRequestsRequest(partner="CN-HK")
        ),
    ):
        with pytest.raises(grpc.RpcError) as refused:
            call()
        assert _refusal(refused.value) == (grpc.StatusCode.PERMISSION_DENIED, "PARTNER_NOT_CALLER")


def test_only_the_exchange_reads_blocks_and_reports_retirements(hub: Running) -> None:
    register_gd_project(hub.partner)
    block_id = issue_pv_block(hub, "R-1", 1, 12)
    gd_channel = hub.clients.channel("CN-GD")
    from carbonhub_contract.generated.carbonhub.v1 import exchange_pb2_grpc as ex_grpc

    as_partner = ex_grpc.ExchangeServiceStub(gd_channel)
    for call in (
        lambda: list(as_partner.StreamBlocks(ex.StreamBlocksRequest(), timeout=5)),
        lambda: as_partner.GetBlock(ex.GetBlockRequest(block_id=block_id), timeout=5),
        lambda: as_partner.ReportRetirement(
            ex.ReportRetirementRequest(
                retirement_id="X-1",
                block_id=block_id,
                units=1,
                purpose=ex.RETIREMENT_PURPOSE_VOLUNTARY,
                beneficiary="probe",
            ),
            timeout=5,
        ),
    ):
        with pytest.raises(grpc.RpcError) as refused:
            call()
        assert _refusal(refused.value) == (grpc.StatusCode.PERMISSION_DENIED, "ROLE_NOT_ALLOWED")
    # The exchange's certificate reads them, each block signed by the hub.
    events = list(hub.exchange.StreamBlocks(ex.StreamBlocksRequest(), timeout=10))
    assert [e.block.block_id for e in events] == [block_id]
    assert verify_block(events[0].block, hub.clients.trust.hub_key).valid
    # ... and the exchange cannot submit claims.
    exchange_as_partner = pb_grpc.PartnerServiceStub(hub.clients.channel("exchange"))
    signed = hub.clients.signer("CN-GD").sign(
        PayloadType.CLAIM_ENVELOPE, _envelope("CN-GD", pv_claim("R-2", 2, 3))
    )
    with pytest.raises(grpc.RpcError) as refused:
        list(exchange_as_partner.SubmitClaims(iter([signed]), timeout=5))
    assert _refusal(refused.value) == (grpc.StatusCode.PERMISSION_DENIED, "ROLE_NOT_ALLOWED")


def test_the_bureau_cancels_a_block_audited_with_the_officer_of_its_certificate(
    hub: Running,
) -> None:
    register_gd_project(hub.partner)
    block_id = issue_pv_block(hub, "R-1", 1, 12)
    from carbonhub_contract.generated.carbonhub.v1 import bureau_pb2_grpc as bureau_grpc

    as_partner = bureau_grpc.BureauServiceStub(hub.clients.channel("CN-GD"))
    with pytest.raises(grpc.RpcError) as refused:
        as_partner.CancelBlock(bureau_pb.CancelBlockRequest(block_id=block_id, reason="x"))
    assert _refusal(refused.value) == (grpc.StatusCode.PERMISSION_DENIED, "ROLE_NOT_ALLOWED")
    cancelled = hub.clients.bureau_stub().CancelBlock(
        bureau_pb.CancelBlockRequest(block_id=block_id, reason="double registration found"),
        timeout=10,
    )
    assert cancelled.state == ledger_pb.BLOCK_STATE_CANCELLED
    assert verify_block(cancelled, hub.clients.trust.hub_key).valid
    with hub.hub.ingestion._uow_factory() as uow:
        events = uow.events.for_subjects("block", [block_id])
    assert [(e.event, e.actor) for e in events][-1] == ("CANCELLED", f"bureau:{OFFICER}")


# --- signed envelopes ------------------------------------------------------------------


def test_a_replayed_or_reordered_envelope_is_refused(hub: Running) -> None:
    register_gd_project(hub.partner)
    signer = hub.clients.signer("CN-GD")
    first = signer.sign(PayloadType.CLAIM_ENVELOPE, _envelope("CN-GD", pv_claim("R-1", 1, 10)))
    second = signer.sign(PayloadType.CLAIM_ENVELOPE, _envelope("CN-GD", pv_claim("R-2", 2, 10)))
    third = signer.sign(PayloadType.CLAIM_ENVELOPE, _envelope("CN-GD", pv_claim("R-3", 3, 10)))
    _submit_signed(hub, "CN-GD", first)
    for stale in (first, second):  # the same bytes again; then one signed before the last
        if stale is second:
            _submit_signed(hub, "CN-GD", third)
        with pytest.raises(grpc.RpcError) as refused:
            _submit_signed(hub, "CN-GD", stale)
        assert _refusal(refused.value) == (grpc.StatusCode.FAILED_PRECONDITION, "ENVELOPE_REPLAYED")
    # The refused envelope recorded nothing: R-2 was never received.
    with pytest.raises(grpc.RpcError) as missing:
        hub.partner.GetClaimStatus(pb.GetClaimStatusRequest(partner="CN-GD", record_id="R-2"))
    assert _refusal(missing.value) == (grpc.StatusCode.NOT_FOUND, "CLAIM_NOT_FOUND")


def test_a_tampered_envelope_is_refused_and_nothing_is_written(hub: Running) -> None:
    signer = hub.clients.signer("CN-GD")
    signed = signer.sign(PayloadType.CLAIM_ENVELOPE, _envelope("CN-GD", pv_claim("R-1", 1, 10)))
    tampered = ledger_pb.SignedPayload()
    tampered.CopyFrom(signed)
    tampered.payload = signed.payload.replace(b"10", b"99", 1)
    assert tampered.payload != signed.payload
    with pytest.raises(grpc.RpcError) as refused:
        _submit_signed(hub, "CN-GD", tampered)
    assert _refusal(refused.value) == (grpc.StatusCode.UNAUTHENTICATED, "SIGNATURE_INVALID")
    assert _claim_count(hub, "CN-GD") == 0
    # A payload of another kind under the same signature is refused too.
    retyped = ledger_pb.SignedPayload()
    retyped.CopyFrom(signed)
    retyped.payload_type = PayloadType.PROJECTS.value
    with pytest.raises(grpc.RpcError) as refused:
        hub.clients.partner_stub("CN-GD").RegisterProjects(retyped, timeout=5)
    # The signature is verified over the type and bytes before anything is parsed.
    assert _refusal(refused.value) == (grpc.StatusCode.UNAUTHENTICATED, "SIGNATURE_INVALID")
    assert _claim_count(hub, "CN-GD") == 0


def test_the_signed_bytes_are_kept_and_verify_later(hub: Running) -> None:
    register_gd_project(hub.partner)
    signer = hub.clients.signer("CN-GD")
    envelope = _envelope("CN-GD", pv_claim("R-1", 1, 10))
    signed = signer.sign(PayloadType.CLAIM_ENVELOPE, envelope)
    _submit_signed(hub, "CN-GD", signed)
    with hub.hub.ingestion._uow_factory() as uow:
        kept = uow.signed_payloads.get("CN-GD", envelope.sequence)
        key = uow.partner_keys.get(signed.key_id)
    assert isinstance(kept, SignedRecord) and key is not None
    assert kept.payload == signed.payload and kept.signature == signed.signature
    assert verify_ed25519(
        key.public_key, pae(kept.payload_type.value, kept.payload), kept.signature
    )
    assert kept.signer == "CN-GD"


def test_a_key_of_another_partner_an_unknown_or_revoked_key_is_refused(
    hub: Running, tmp_path: Path
) -> None:
    envelope = _envelope("CN-GD", pv_claim("R-1", 1, 10))
    hk_key = Signer.from_file(hub.clients.trust.signing_keys["CN-HK"])
    stray_path = tmp_path / "stray.key"
    write_ed25519_keypair(stray_path, tmp_path / "stray.pub")
    cases = {
        "SIGNATURE_KEY_OF_ANOTHER_PARTNER": hk_key,
        "SIGNATURE_KEY_UNKNOWN": Signer.from_file(stray_path),
    }
    for code, key in cases.items():
        envelope.sequence = 100
        payload = envelope.SerializeToString()
        signed = ledger_pb.SignedPayload(
            payload_type=PayloadType.CLAIM_ENVELOPE.value,
            payload=payload,
            key_id=key.key_id,
            signature=key.sign(PayloadType.CLAIM_ENVELOPE.value, payload),
        )
        with pytest.raises(grpc.RpcError) as refused:
            _submit_signed(hub, "CN-GD", signed)
        assert _refusal(refused.value)[1] == code
    gd_key = hub.clients.signer("CN-GD").key_id
    hub.hub.partner_keys.revoke(gd_key, "key leaked", "officer-li")
    signed = hub.clients.signer("CN-GD").sign(PayloadType.CLAIM_ENVELOPE, envelope)
    with pytest.raises(grpc.RpcError) as refused:
        _submit_signed(hub, "CN-GD", signed)
    assert _refusal(refused.value) == (grpc.StatusCode.UNAUTHENTICATED, "SIGNATURE_KEY_NOT_VALID")
    assert _claim_count(hub, "CN-GD") == 0
    with hub.hub.ingestion._uow_factory() as uow:
        events = uow.events.for_subjects("key", [gd_key])
    assert [(e.event, e.actor) for e in events] == [
        ("REGISTERED", "bureau:demo-officer"),
        ("REVOKED", "bureau:officer-li"),
    ]


def test_key_rotation_with_an_overlap_window(hub: Running, tmp_path: Path) -> None:
    register_gd_project(hub.partner)
    keys = {}
    for name in ("old", "new"):
        write_ed25519_keypair(tmp_path / f"{name}.key", tmp_path / f"{name}.pub")
        keys[name] = Signer.from_file(tmp_path / f"{name}.key")
    old_key, new_key = keys["old"], keys["new"]
    since = NOW - timedelta(days=365)
    hub.hub.partner_keys.register("CN-GD", old_key.public_key, "officer-li", valid_from=since)
    hub.hub.partner_keys.register("CN-GD", new_key.public_key, "officer-li")
    hub.hub.partner_keys.retire(old_key.key_id, NOW + timedelta(days=7), "officer-li")
    channel = hub.clients.channel("CN-GD")

    def signed_with(key: Signer, record: str, month: int) -> ledger_pb.SignedPayload:
        signer = PartnerSigner.synced("CN-GD", key, channel)
        return signer.sign(
            PayloadType.CLAIM_ENVELOPE, _envelope("CN-GD", pv_claim(record, month, 5))
        )

    # Within the overlap window both keys verify.
    for key, record, month in ((old_key, "R-1", 1), (new_key, "R-2", 2)):
        (batch,) = _submit_signed(hub, "CN-GD", signed_with(key, record, month))
        assert batch.verdicts[0].decision == pb.DECISION_ACCEPTED
    # Once the window closed (valid_until in the past), only the new key verifies.
    hub.hub.partner_keys.retire(old_key.key_id, NOW - timedelta(seconds=1), "officer-li")
    with pytest.raises(grpc.RpcError) as refused:
        _submit_signed(hub, "CN-GD", signed_with(old_key, "R-3", 3))
    assert _refusal(refused.value) == (grpc.StatusCode.UNAUTHENTICATED, "SIGNATURE_KEY_NOT_VALID")
    (batch,) = _submit_signed(hub, "CN-GD", signed_with(new_key, "R-3", 3))
    assert batch.verdicts[0].decision == pb.DECISION_ACCEPTED


# --- receipts ----------------------------------------------------------------------------


def test_verdicts_and_claim_status_carry_receipts_that_verify(hub: Running) -> None:
    register_gd_project(hub.partner)
    signed = hub.clients.signer("CN-GD").sign(
        PayloadType.CLAIM_ENVELOPE, _envelope("CN-GD", pv_claim("R-1", 1, 10))
    )
    (batch,) = _submit_signed(hub, "CN-GD", signed)
    hub_key = hub.clients.trust.hub_key
    assert verify_verdict_batch("CN-GD", batch, hub_key).valid
    forged = pb.VerdictBatch()
    forged.CopyFrom(batch)
    forged.verdicts[0].credited_tco2e = "1000"
    assert verify_verdict_batch("CN-GD", forged, hub_key).reason == "RECEIPT_DOES_NOT_MATCH_MESSAGE"
    status = hub.partner.GetClaimStatus(pb.GetClaimStatusRequest(partner="CN-GD", record_id="R-1"))
    assert verify_claim_status("CN-GD", status, hub_key).valid


# --- limits -----------------------------------------------------------------------------


def test_an_envelope_over_the_claim_limit_is_resource_exhausted(
    tmp_path: Path, database_url: str
) -> None:
    with running_hub(tmp_path, database_url, max_claims_per_envelope=2) as hub:
        signed = hub.clients.signer("CN-GD").sign(
            PayloadType.CLAIM_ENVELOPE,
            _envelope("CN-GD", *(pv_claim(f"R-{m}", m, 1) for m in (1, 2, 3))),
        )
        with pytest.raises(grpc.RpcError) as refused:
            _submit_signed(hub, "CN-GD", signed)
        assert _refusal(refused.value) == (
            grpc.StatusCode.RESOURCE_EXHAUSTED,
            "ENVELOPE_TOO_LARGE",
        )


def test_a_flood_from_one_partner_does_not_starve_another(
    tmp_path: Path, database_url: str
) -> None:
    with running_hub(
        tmp_path, database_url, rate_requests_per_second=20.0, rate_requests_burst=20
    ) as hub:
        gd = hub.clients.partner_stub("CN-GD")
        stop = threading.Event()
        refused: list[str] = []
        served = [0]

        def flood() -> None:
            while not stop.is_set():
                try:
                    gd.GetPartnerSequence(pb.GetPartnerSequenceRequest(partner="CN-GD"), timeout=5)
                    served[0] += 1
                except grpc.RpcError as error:
                    refused.append(_refusal(error)[1])

        threads = [threading.Thread(target=flood) for _ in range(6)]
        for thread in threads:
            thread.start()
        try:
            hk_latencies = []
            for number in range(15):  # Hong Kong's ordinary pace, under its own limit
                started = time.monotonic()
                signed = hub.clients.signer("CN-HK").sign(
                    PayloadType.CLAIM_ENVELOPE, _envelope("CN-HK", hk_solar_claim(f"HK-{number}"))
                )
                (batch,) = _submit_signed(hub, "CN-HK", signed)
                hk_latencies.append(time.monotonic() - started)
                assert len(batch.verdicts) == 1
                time.sleep(0.1)
        finally:
            stop.set()
            for thread in threads:
                thread.join()
        assert refused and set(refused) == {"RATE_LIMITED"}
        assert max(hk_latencies) < 5.0
        # Guangdong was throttled to about its rate, not shut out.
        assert 0 < served[0] < len(refused)


def test_too_many_open_streams_of_one_partner_are_refused(
    tmp_path: Path, database_url: str
) -> None:
    with running_hub(tmp_path, database_url, max_streams_per_caller=2) as hub:
        gd = hub.clients.partner_stub("CN-GD")
        gates = [threading.Event() for _ in range(2)]

        def held_open(gate: threading.Event) -> Iterator[ledger_pb.SignedPayload]:
            gate.wait(10)
            return
            yield  # pragma: no cover - a generator that sends nothing until released

        calls = [gd.SubmitClaims(held_open(g), timeout=15) for g in gates]
        time.sleep(0.5)
        with pytest.raises(grpc.RpcError) as refused:
            list(gd.SubmitClaims(iter([]), timeout=5))
        assert _refusal(refused.value) == (grpc.StatusCode.RESOURCE_EXHAUSTED, "TOO_MANY_STREAMS")
        # Hong Kong has streams of its own.
        assert list(hub.clients.partner_stub("CN-HK").SubmitClaims(iter([]), timeout=5)) == []
        for gate in gates:
            gate.set()
        for call in calls:
            assert list(call) == []


def test_a_message_over_the_size_limit_is_resource_exhausted(
    tmp_path: Path, database_url: str
) -> None:
    with running_hub(tmp_path, database_url, max_message_bytes=64 * 1024) as hub:
        claims = [pv_claim(f"R-{n}", 1, 1) for n in range(400)]
        for claim in claims:
            claim.raw["note"] = "x" * 200  # ~100 kB in all
        signed = hub.clients.signer("CN-GD").sign(
            PayloadType.CLAIM_ENVELOPE, _envelope("CN-GD", *claims)
        )
        with pytest.raises(grpc.RpcError) as refused:
            _submit_signed(hub, "CN-GD", signed)
        assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert _claim_count(hub, "CN-GD") == 0
        # The hub goes on serving.
        hub.clients.partner_stub("CN-HK").GetPartnerSequence(
            pb.GetPartnerSequenceRequest(partner="CN-HK"), timeout=5
        )


def test_an_idle_claim_stream_ends_with_deadline_exceeded(
    tmp_path: Path, database_url: str
) -> None:
    with running_hub(tmp_path, database_url, stream_idle_timeout=0.5) as hub:
        release = threading.Event()

        def silent() -> Iterator[ledger_pb.SignedPayload]:
            release.wait(10)
            return
            yield  # pragma: no cover - sends nothing

        started = time.monotonic()
        with pytest.raises(grpc.RpcError) as ended:
            list(hub.clients.partner_stub("CN-GD").SubmitClaims(silent(), timeout=10))
        release.set()
        assert _refusal(ended.value) == (grpc.StatusCode.DEADLINE_EXCEEDED, "STREAM_IDLE_TIMEOUT")
        assert time.monotonic() - started < 5
