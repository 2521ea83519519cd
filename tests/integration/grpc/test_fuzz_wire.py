"""Bad input at the hub's gRPC wire, property-based (hypothesis).

One real hub (mutual TLS, partner signing keys) serves the whole module,
once on SQLite and once on PostgreSQL; its database is kept across
examples, so later examples meet the state earlier ones left. Every answer
must be either a normal response or a refusal whose status carries a
google.rpc.ErrorInfo reason; INTERNAL and UNKNOWN are never acceptable for
bad input. Per-claim problems come back
as verdicts, and every verdict that is not ACCEPTED names its checks.

The module prints ``FUZZ wire: N cases, ... statuses {...}`` at teardown
(``pytest -s`` shows it).

Six bugs it found are fixed; their minimal reproductions stay below as
regression tests (BUG-1 .. BUG-6), and the broad runs draw those inputs too.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import grpc
import pytest
from google.protobuf.message import Message
from grpc_health.v1 import health_pb2, health_pb2_grpc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import make_url, text

from carbonhub_contract.error_details import error_info
from carbonhub_contract.generated.carbonhub.v1 import exchange_pb2 as exchange_pb
from carbonhub_contract.generated.carbonhub.v1 import exchange_pb2_grpc as exchange_grpc
from carbonhub_contract.generated.carbonhub.v1 import ledger_pb2 as ledger_pb
from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from carbonhub_contract.generated.carbonhub.v1 import partner_pb2_grpc as partner_grpc
from carbonhub_contract.signing import Signer
from carbonhub_contract.vocabulary.envelopes import PayloadType
from hub.grpc_api.field_limits import ID
from tests.integration.conftest import BACKENDS, _admin_engine, _require_postgres, postgres_url
from tests.integration.grpc.ledger_helpers import (
    CREDIT_CODE,
    PROJECT_ID,
    Running,
    hk_solar_claim,
    issue_pv_block,
    pv_claim,
    register_gd_project,
    running_hub,
    submit,
)
from tests.integration.grpc.test_person_travel_wire import PERSON, gd_trip

TIMEOUT = 30.0  # seconds: a hung call fails as DEADLINE_EXCEEDED without ErrorInfo
FORBIDDEN = frozenset({grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN})
ORIGIN_SERIAL = "GDPH-4401-PV-2023-0007-2024-000101-000116"
FINAL_PROJECT = "4401-PV-2023-0999"  # registered by the last test only: fuzzing never touches it


FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)
FUZZ_SMALL = settings(FUZZ, max_examples=80)

T = TypeVar("T")
M = TypeVar("M", bound=Message)


# -- the tally ----------------------------------------------------------------


@dataclass
class Tally:
    cases: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)

    def summary(self) -> str:
        return (
            f"FUZZ wire: {sum(self.cases.values())} cases, per test {dict(self.cases)}, "
            f"statuses {dict(sorted(self.statuses.items()))}"
        )


TALLY = Tally()


def coded(error: grpc.RpcError, what: str) -> str:
    """The refusal's ``CODE:REASON`` (tallied); fails the test when it is not coded."""
    code = error.code()
    details = error.details() or ""
    try:
        info = error_info(error)
    except ValueError as problem:  # trailers that contradict each other
        details = f"{details} ({problem})"
        info = None
    label = f"{code.name}:{info.reason}" if info is not None and info.reason else ""
    TALLY.statuses[label or f"UNCODED:{code.name}"] += 1
    assert code not in FORBIDDEN, f"{what}: {code.name} {details[:2000]!r}"
    assert label, f"{what}: uncoded {code.name} {details[:2000]!r}"
    return label


def answer(test: str, what: str, call: Callable[[], T]) -> T | None:
    """Run one call: a normal answer is returned, a coded refusal gives None;
    anything else fails. Every call is counted under ``test``."""
    TALLY.cases[test] += 1
    try:
        result = call()
    except grpc.RpcError as error:
        coded(error, what)
        return None
    TALLY.statuses["OK"] += 1
    return result


# -- the hub ------------------------------------------------------------------


@dataclass
class Wire:
    running: Running
    gd_key: Signer  # CN-GD's signing key, for payloads crafted by hand
    block_id: str
    claim_id: str  # a CN-GD claim awaiting source cancellation
    hk_reference: str

    @property
    def gd(self) -> partner_grpc.PartnerServiceStub:
        return self.running.clients.partner_stub("CN-GD")

    def sign_bytes(self, payload_type: str, payload: bytes) -> ledger_pb.SignedPayload:
        return ledger_pb.SignedPayload(
            payload_type=payload_type,
            payload=payload,
            key_id=self.gd_key.key_id,
            signature=self.gd_key.sign(payload_type, payload),
        )

    def next_sequence(self) -> int:
        """Takes the next CN-GD sequence number from the signer PartnerStub uses."""
        envelope = pb.ClaimEnvelope(partner="CN-GD")
        self.running.clients.signer("CN-GD").sign(PayloadType.CLAIM_ENVELOPE, envelope)
        return envelope.sequence


@pytest.fixture(scope="module", params=BACKENDS)
def wire_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The module's database, on each backend: the same bad input must get the
    same coded answers on SQLite and PostgreSQL (a schema of its own there)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('fuzz-db') / 'hub.db'}"
        return
    _require_postgres()
    schema = f"hub_fuzz_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine()
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(postgres_url()).update_query_dict(
            {"options": f"-csearch_path={schema},public"}
        )
        yield url.render_as_string(hide_password=False)
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()


@pytest.fixture(scope="module")
def wire(tmp_path_factory: pytest.TempPathFactory, wire_database: str) -> Iterator[Wire]:
    folder = tmp_path_factory.mktemp("fuzz-wire")
    with running_hub(
        folder,
        wire_database,
        rate_requests_per_second=1_000_000.0,
        rate_requests_burst=1_000_000,
        rate_claims_per_second=1_000_000_000.0,
        rate_claims_burst=1_000_000_000,
        max_streams_per_caller=64,
    ) as running:
        register_gd_project(running.partner)
        block_id = issue_pv_block(running, "FUZZ-BLOCK-1", 1, 5)
        (awaiting,) = submit(running.partner, pv_claim("FUZZ-AWAIT-1", 2, 4, ORIGIN_SERIAL))
        hk = hk_solar_claim("FUZZ-HK-1")
        submit(running.partner, hk, partner="CN-HK")
        # A commuter with carbon points, for the redemptions to reach the ledger.
        (trip,) = submit(running.partner, gd_trip("FUZZ-TRIP-1", "GD-METRO", "08:00", "08:30"))
        assert trip.decision == pb.DECISION_ACCEPTED, trip
        key = Signer.from_file(running.clients.trust.signing_keys["CN-GD"])
        yield Wire(running, key, block_id, awaiting.claim_id, hk.adjustment_ref)
    print(f"\n{TALLY.summary()}")


# -- strategies ---------------------------------------------------------------


def mostly(value: T, alternatives: st.SearchStrategy[T]) -> st.SearchStrategy[T]:
    """``value`` three times in four: the hub's deeper checks are reached."""
    return st.one_of(st.just(value), st.just(value), st.just(value), alternatives)


def fuzzed(value: T, alternatives: st.SearchStrategy[T]) -> st.SearchStrategy[T]:
    """``value`` half the time."""
    return st.one_of(st.just(value), alternatives)


huge_text = st.builds(
    lambda unit, size: (unit * (size // len(unit) + 1))[:size],
    st.text(min_size=1, max_size=8),
    st.integers(10_000, 100_000),
)
short_text = st.text(max_size=40)
CONTROL = st.text(st.characters(min_codepoint=0, max_codepoint=0x1F), min_size=1, max_size=8)
STRING_EDGES = ["", " ", "\x00", "\u200b", "\ufeff", "\u202e", "𝔘𝔫𝔦", "\U0010ffff", "中文"]
weird_text = st.one_of(
    short_text,
    CONTROL,
    st.sampled_from(STRING_EDGES),
    # one in eight of these is huge (10-100 kB): huge strings in every field
    # at once would only ever meet the first size check
    st.integers(0, 7).flatmap(lambda n: huge_text if n == 3 else short_text),
)

DECIMAL_EDGES = [
    "NaN", "nan", "-NaN", "sNaN", "Infinity", "-Infinity", "inf", "1e999999", "1E-999999",
    "1e3", "-0", "+0", "-0.0", "0", "0.000000", "１２３", "1_000", "1,000", "1 000", "0x1F",
    "١٢٣", "½", "²", "1.", ".5", "-.5", "--1", "+-1", "1.2.3", "", " ", "\u00a0", "12\u200b3",
    "-1", "-5000", "0.0000001", "0." + "0" * 60 + "1", "1" * 1000, "9" * 30, "-" + "9" * 30,
]  # fmt: skip
decimal_text = st.one_of(
    st.sampled_from(DECIMAL_EDGES),
    st.integers(-(10**40), 10**40).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.floats().map(repr),
    weird_text,
)
DATE_EDGES = [
    "2024-02-30", "2024-02-29", "2023-02-29", "2024-13-01", "2024-00-10", "2024-12-32",
    "9999-12-31T25:00", "2024-01-01T24:00", "2024-01-01T23:60", "2024-01-01T23:59:60",
    "2024-01-01 12:00", "2024-01-01T12:00:00Z", "2024-01-01T12:00:00+08:00", "2024-1-1",
    "20240101", "２０２４-０１-０１", "0000-01-01", "0001-01-01", "0001-01-02", "9998-12-31",
    "9999-12-31", "-2024-01-01", "+2024-01-01", "", " ", "2024-W01", "2024-001",
    "2024-01-01T12:00:00.123456", "01/02/2024", "2024-03-01", "2024-03-31", "2100-01-01",
    "1900-01-01", "2026-11-24", "2026-11-24T08:00", "2024-06-15T12:30:45",
]  # fmt: skip
date_text = st.one_of(
    st.sampled_from(DATE_EDGES),
    st.dates().map(lambda d: d.isoformat()),
    st.datetimes().map(lambda d: d.isoformat(timespec="minutes")),
    weird_text,
)
ZONE_EDGES = [
    "Asia/Shanghai", "Asia/Hong_Kong", "UTC", "Mars/Olympus", "", " ", "asia/shanghai",
    "../etc/passwd", "/etc/localtime", "Asia", "zone.tab", "tzdata.zi", "Factory",
    "Etc/GMT+12", "Etc/GMT-14", "Pacific/Kiritimati", "Asia/Kathmandu", "posixrules",
    "\x00", "Asia/Shanghai\x00", "a" * 300, "Asia/" * 100,
]  # fmt: skip
zone_text = st.one_of(st.sampled_from(ZONE_EDGES), weird_text)
UNIT_EDGES = ["kWh", "MWh", "pkm", "km", "trip", "kg", "t", "ha", "mu", "kW", "KWH", "千瓦时", ""]
unit_text = st.one_of(st.sampled_from(UNIT_EDGES), weird_text)
METHODOLOGIES = ["GD-PV", "GD-BUS", "GD-METRO", "GD-BIKE", "GD-AC", "GD-FOREST-P", "SOLAR_FIT"]
methodology_text = st.one_of(st.sampled_from(METHODOLOGIES), weird_text)
REGION_EDGES = [
    "440100",
    "440300",
    "810000",
    "000000",
    "999999",
    "44010",
    "4401000",
    "４４０１００",
]
region_text = st.one_of(st.sampled_from(REGION_EDGES), weird_text)
serial_text = st.one_of(
    st.just(ORIGIN_SERIAL),
    st.builds(
        "GDPH-{}-{}-{}-{}".format,
        st.sampled_from([PROJECT_ID, "P", "", "4401-PV", "--"]),
        st.integers(-1, 100_000),
        st.integers(-1, 10**25),
        st.integers(-1, 10**25),
    ),
    weird_text,
)
enum_number = st.one_of(st.integers(0, 4), st.just(99), st.integers(-(2**31), 2**31 - 1))
raw_map = st.one_of(
    st.dictionaries(weird_text, weird_text, max_size=4),
    st.integers(0, 5000).map(lambda n: {f"k{i}": "v" * (i % 7) for i in range(n)}),
)

CLAIM_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "record_id": weird_text,
    "partner_methodology": methodology_text,
    "period_start": date_text,
    "period_end": date_text,
    "time_zone": zone_text,
    "activity_quantity": decimal_text,
    "activity_unit": unit_text,
    "project_id": weird_text,
    "person_pseudonym": weird_text,
    "site_id": weird_text,
    "region_code": region_text,
    "district": weird_text,
    "material": weird_text,
    "utility": weird_text,
    "reported_tco2e": decimal_text,
    "origin_status": enum_number,
    "origin_serial": serial_text,
    "adjustment_ref": weird_text,
    "verifier": weird_text,
    "raw": raw_map,
}


def _set(message: Message, name: str, value: Any) -> None:
    if isinstance(value, dict):
        getattr(message, name).update(value)
    else:
        setattr(message, name, value)


@st.composite
def claims(draw: st.DrawFn) -> pb.Claim:
    """A valid GD-PV claim with one field, or many, replaced by bad values."""
    record = draw(st.uuids()).hex
    claim = pv_claim(f"FZ-{record}", draw(st.integers(1, 12)), draw(st.integers(1, 50)))
    if draw(st.booleans()):
        name = draw(st.sampled_from(sorted(CLAIM_FIELDS)))
        _set(claim, name, draw(CLAIM_FIELDS[name]))
    else:
        for name, values in CLAIM_FIELDS.items():
            if draw(st.integers(0, 3)) == 0:
                _set(claim, name, draw(values))
    return claim


PROJECT_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "name": weird_text,
    "owner_name": weird_text,
    "owner_credit_code": weird_text,
    "partner_methodology": methodology_text,
    "region_code": region_text,
    "longitude": decimal_text,
    "latitude": decimal_text,
    "size_value": decimal_text,
    "size_unit": st.one_of(st.sampled_from(["kW", "MW", "ha", "mu", "kWh"]), weird_text),
    "crediting_start": date_text,
    "crediting_end": date_text,
    "status": enum_number,
    "raw": raw_map,
}


@st.composite
def projects(draw: st.DrawFn) -> pb.Project:
    """A valid GD-PV project with one field, or many, replaced by bad values.
    The fixture's projects are never touched: the last test needs them."""
    project_id = draw(
        st.one_of(
            st.uuids().map(lambda u: f"4401-PV-2024-{u.hex[:4]}"),
            weird_text.filter(lambda p: p.strip() not in (PROJECT_ID, FINAL_PROJECT)),
        )
    )
    project = pb.Project(
        project_id=project_id,
        name="广州某厂房屋顶分布式光伏",
        owner_name="广州某新能源有限公司",
        owner_credit_code=CREDIT_CODE,
        partner_methodology="GD-PV",
        region_code="440100",
        longitude="113.2644",
        latitude="23.1291",
        size_value="500",
        size_unit="kW",
        crediting_start="2023-01-01",
        crediting_end="2032-12-31",
        status=pb.PROJECT_STATUS_REGISTERED,
    )
    if draw(st.booleans()):
        name = draw(st.sampled_from(sorted(PROJECT_FIELDS)))
        _set(project, name, draw(PROJECT_FIELDS[name]))
    else:
        for name, values in PROJECT_FIELDS.items():
            if draw(st.integers(0, 3)) == 0:
                _set(project, name, draw(values))
    return project


RFC3339_EDGES = [
    "2026-11-20T12:00:00Z", "2026-11-20T12:00:00+08:00", "2026-11-20", "2026-11-20T12:00:00",
    "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "0002-01-01T00:00:00+23:59",
    "2024-02-30T00:00:00Z", "2024-10-31T25:00:00Z", "", " ", "now", "2030-01-01T00:00:00Z",
    "1970-01-01T00:00:00Z", "2026-11-20T12:00:00+24:00", "2026-11-20T12:00:00.123456789Z",
    "２０２６-11-20T12:00:00Z", "2026-11-20T12:00:00+08:00[Asia/Shanghai]",
]  # fmt: skip
rfc3339_text = st.one_of(
    st.sampled_from(RFC3339_EDGES),
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
    weird_text,
)
REAL = "\x00REAL\x00"  # replaced by the fixture's real id when drawn


def real_or(alternatives: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(st.just(REAL), alternatives)


def swap_real(message: M, real: str) -> M:
    for descriptor, value in list(message.ListFields()):
        if value == REAL:
            setattr(message, descriptor.name, real)
    return message


# -- 1. raw garbage as SignedPayload ------------------------------------------

SIGNED_METHODS = {
    "SubmitClaims": PayloadType.CLAIM_ENVELOPE,
    "RegisterProjects": PayloadType.PROJECTS,
    "AttestSourceCancellation": PayloadType.SOURCE_CANCELLATION,
    "AttestAccountingAdjustment": PayloadType.ACCOUNTING_ADJUSTMENT,
    "RedeemPoints": PayloadType.POINTS_REDEMPTION,
}
VALID_MESSAGES: list[Message] = [
    pb.ClaimEnvelope(
        partner="CN-GD", delivery_id="D", sequence=10**6, claims=[pv_claim("G", 5, 3)]
    ),
    pb.RegisterProjectsRequest(partner="CN-GD", delivery_id="D", sequence=10**6),
    pb.SourceCancellationAttestation(partner="CN-GD", claim_id="c", sequence=10**6),
    pb.AccountingAdjustmentAttestation(
        partner="CN-GD", reference="r", status="ADJUSTMENT_STATUS_COMMITTED", sequence=10**6
    ),
    pb.ClaimEnvelope(partner="CN-HK", sequence=10**6),
    pb.RedeemPointsRequest(
        partner="CN-GD", redemption_id="R", person_pseudonym=PERSON, points=1, sequence=10**6
    ),
]
valid_bytes = st.sampled_from(VALID_MESSAGES).map(lambda m: m.SerializeToString())


def _flip(data: bytes, index: int, bit: int) -> bytes:
    if not data:
        return data
    at = index % len(data)
    return data[:at] + bytes([data[at] ^ (1 << bit)]) + data[at + 1 :]


payload_bytes = st.one_of(
    st.binary(max_size=512),
    valid_bytes,
    st.builds(_flip, valid_bytes, st.integers(0, 10_000), st.integers(0, 7)),
    st.builds(lambda b, n: b * n, st.binary(min_size=1, max_size=4), st.integers(1, 50_000)),
)
EXPECTED = "\x00EXPECTED\x00"  # replaced by the payload type the method takes
payload_types = st.one_of(
    st.just(EXPECTED),
    st.just(EXPECTED),
    st.sampled_from([p.value for p in PayloadType]),
    st.sampled_from(["", "carbonhub.v1.ClaimEnvelope\x00", "CARBONHUB.V1.CLAIMENVELOPE"]),
    weird_text,
)
signatures = st.one_of(
    st.binary(max_size=200),
    st.binary(min_size=64, max_size=64),
    st.binary(min_size=64, max_size=64),
    st.just(b""),
    st.builds(lambda n: b"\x01" * n, st.integers(65, 200_000)),
)


@FUZZ
@given(
    method=st.sampled_from(sorted(SIGNED_METHODS)),
    payloads=st.lists(
        st.builds(
            ledger_pb.SignedPayload,
            payload_type=payload_types,
            payload=payload_bytes,
            key_id=st.one_of(st.just(REAL), st.just(REAL), weird_text, st.just("ed25519:0123")),
            signature=signatures,
        ),
        min_size=1,
        max_size=3,
    ),
)
def test_unsigned_garbage_is_refused_with_a_code(
    wire: Wire, method: str, payloads: list[ledger_pb.SignedPayload]
) -> None:
    for signed in payloads:
        if signed.key_id == REAL:
            signed.key_id = wire.gd_key.key_id
        if signed.payload_type == EXPECTED:
            signed.payload_type = SIGNED_METHODS[method].value
    stub = wire.gd
    if method == "SubmitClaims":
        result: object = answer(
            "garbage", method, lambda: list(stub.SubmitClaims(iter(payloads), timeout=TIMEOUT))
        )
    else:
        result = answer(
            "garbage", method, lambda: getattr(stub, method)(payloads[0], timeout=TIMEOUT)
        )
    assert result is None, f"{method} accepted an unsigned payload: {result}"


# -- 2. properly signed payloads with fuzzed messages ---------------------------


def _check_verdicts(envelopes: list[pb.ClaimEnvelope], batches: list[pb.VerdictBatch]) -> None:
    assert len(batches) == len(envelopes), batches
    for envelope, batch in zip(envelopes, batches, strict=True):
        assert batch.sequence == envelope.sequence
        assert [v.record_id for v in batch.verdicts] == [c.record_id[:ID] for c in envelope.claims]
        for verdict in batch.verdicts:
            assert verdict.decision in (
                pb.DECISION_ACCEPTED,
                pb.DECISION_REJECTED,
                pb.DECISION_HELD,
            ), verdict
            if verdict.decision != pb.DECISION_ACCEPTED:
                assert verdict.checks, f"{verdict.record_id}: refused without a check"
                assert all(c.code for c in verdict.checks), verdict


@FUZZ
@given(
    envelopes=st.lists(
        st.builds(
            pb.ClaimEnvelope,
            partner=mostly("CN-GD", st.one_of(st.just("CN-HK"), weird_text)),
            delivery_id=mostly("FUZZ-01", weird_text),
            claims=st.lists(claims(), max_size=4),
        ),
        min_size=1,
        max_size=2,
    )
)
def test_signed_envelopes_of_fuzzed_claims_get_verdicts_or_coded_refusals(
    wire: Wire, envelopes: list[pb.ClaimEnvelope]
) -> None:
    partner = wire.running.partner
    batches = answer(
        "claims",
        "SubmitClaims",
        lambda: list(partner.SubmitClaims(iter(envelopes), timeout=TIMEOUT)),
    )
    if batches is not None:
        _check_verdicts(envelopes, batches)


INVALID_UTF8 = st.builds(
    lambda head, bad, tail: head.encode() + bad + tail.encode(),
    st.text(max_size=8),
    st.sampled_from(
        [
            *(b"\xff", b"\xfe", b"\xff\xfe", b"\x80", b"\xc0\x80", b"\xed\xa0\x80"),
            *(b"\xe2\x82", b"\xc3", b"\xf4\x90\x80\x80", b"\xf8\x88\x80\x80\x80"),
        ]
    ),
    st.text(max_size=8),
)
CLAIM_STRING_FIELDS = [*range(1, 16), 17, 18, 19]
UTF8_PLACES = ["partner", "delivery_id", *(f"claim.{n}" for n in CLAIM_STRING_FIELDS)]


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        low, value = value & 0x7F, value >> 7
        if not value:
            out.append(low)
            return bytes(out)
        out.append(low | 0x80)


def _length_delimited(number: int, data: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(data)) + data


@FUZZ_SMALL
@given(where=st.sampled_from([*UTF8_PLACES, "raw.key", "raw.value"]), bad=INVALID_UTF8)
def test_invalid_utf8_in_a_signed_envelope_is_payload_malformed(
    wire: Wire, where: str, bad: bytes
) -> None:
    envelope = pb.ClaimEnvelope(
        partner="CN-GD", delivery_id="FUZZ-UTF8", sequence=wire.next_sequence()
    )
    claim = pv_claim("FUZZ-UTF8", 7, 3).SerializeToString()
    if where == "partner":
        extra = _length_delimited(1, bad)
    elif where == "delivery_id":
        extra = _length_delimited(2, bad)
    elif where.startswith("claim."):
        extra = _length_delimited(4, claim + _length_delimited(int(where[6:]), bad))
    else:
        key, value = (bad, b"v") if where == "raw.key" else (b"k", bad)
        entry = _length_delimited(1, key) + _length_delimited(2, value)
        extra = _length_delimited(4, claim + _length_delimited(20, entry))
    signed = wire.sign_bytes(PayloadType.CLAIM_ENVELOPE.value, envelope.SerializeToString() + extra)
    TALLY.cases["invalid-utf8"] += 1
    with pytest.raises(grpc.RpcError) as refused:
        list(wire.gd.SubmitClaims(iter([signed]), timeout=TIMEOUT))
    status = coded(refused.value, where)
    assert status == "INVALID_ARGUMENT:PAYLOAD_MALFORMED", (where, bad, refused.value.details())


WRONG_KINDS: list[Message] = [
    pb.RegisterProjectsRequest(partner="CN-GD", delivery_id="W", projects=[pb.Project()]),
    pb.SourceCancellationAttestation(partner="CN-GD", claim_id="x", cancelled_at="y"),
    pb.AccountingAdjustmentAttestation(
        partner="CN-GD", reference="r", status="ADJUSTMENT_STATUS_PENDING"
    ),
    pb.ClaimEnvelope(partner="CN-GD", delivery_id="W", claims=[pv_claim("W", 1, 1)]),
    pb.Claim(record_id="CN-GD", partner_methodology="GD-PV"),
    exchange_pb.ReportRetirementRequest(retirement_id="CN-GD", block_id="b", units=5),
    ledger_pb.Block(block_id="CN-GD", units=1),
]
SEQUENCE_FIELD = {
    "SubmitClaims": 3,
    "RegisterProjects": 4,
    "AttestSourceCancellation": 7,
    "AttestAccountingAdjustment": 6,
    "RedeemPoints": 2,
}


@FUZZ_SMALL
@given(
    method=st.sampled_from(sorted(SIGNED_METHODS)),
    message=st.sampled_from(WRONG_KINDS),
    prefix=st.sampled_from([b"", _length_delimited(1, b"CN-GD")]),
)
def test_signed_messages_of_the_wrong_kind_get_coded_or_normal_answers(
    wire: Wire, method: str, message: Message, prefix: bytes
) -> None:
    """The serialized bytes of another message, signed as the method's kind
    (and given the next sequence number, so the content is what is judged)."""
    sequence = _varint(SEQUENCE_FIELD[method] << 3) + _varint(wire.next_sequence())
    payload_type = SIGNED_METHODS[method].value
    signed = wire.sign_bytes(payload_type, prefix + message.SerializeToString() + sequence)
    stub = wire.gd
    if method == "SubmitClaims":
        batches = answer(
            "wrong-kind", method, lambda: list(stub.SubmitClaims(iter([signed]), timeout=TIMEOUT))
        )
        for batch in batches or []:
            for verdict in batch.verdicts:
                if verdict.decision != pb.DECISION_ACCEPTED:
                    assert verdict.checks and all(c.code for c in verdict.checks), verdict
    else:
        answer("wrong-kind", method, lambda: getattr(stub, method)(signed, timeout=TIMEOUT))


@FUZZ
@given(projects=st.lists(projects(), max_size=4), delivery=mostly("FUZZ-P", weird_text))
def test_signed_fuzzed_projects_get_results_or_coded_refusals(
    wire: Wire, projects: list[pb.Project], delivery: str
) -> None:
    request = pb.RegisterProjectsRequest(partner="CN-GD", delivery_id=delivery, projects=projects)
    response = answer(
        "projects",
        "RegisterProjects",
        lambda: wire.running.partner.RegisterProjects(request, timeout=TIMEOUT),
    )
    if response is None:
        return
    # Ids come back as sent, cut to their limit when longer (docs/limits.md).
    assert [r.project_id for r in response.results] == [p.project_id[:ID] for p in projects]
    for result in response.results:
        # HELD: stored SUBMITTED for the bureau, e.g. the same asset as another project.
        decisions = (pb.DECISION_ACCEPTED, pb.DECISION_HELD, pb.DECISION_REJECTED)
        assert result.decision in decisions, result
        if result.decision != pb.DECISION_ACCEPTED:
            assert result.checks and all(c.code for c in result.checks), result
        stored = result.decision != pb.DECISION_REJECTED
        assert (result.review_state != pb.PROJECT_REVIEW_STATE_UNSPECIFIED) == stored, result


def _check_attestation(result: pb.AttestationResult | None) -> None:
    if result is not None and not result.accepted and not result.replay:
        assert result.checks, f"refused without a check: {result}"
        assert all(c.code for c in result.checks), result


@FUZZ
@given(
    attestation=st.builds(
        pb.SourceCancellationAttestation,
        partner=mostly("CN-GD", weird_text),
        claim_id=real_or(weird_text),
        origin_serial=fuzzed(ORIGIN_SERIAL, serial_text),
        cancellation_id=fuzzed("GD-CXL-1", weird_text),
        note=st.one_of(st.just(REAL), weird_text),
        cancelled_at=rfc3339_text,
    )
)
def test_signed_fuzzed_source_cancellations_get_results_or_coded_refusals(
    wire: Wire, attestation: pb.SourceCancellationAttestation
) -> None:
    swap_real(attestation, wire.claim_id)
    result = answer(
        "cancellations",
        "AttestSourceCancellation",
        lambda: wire.running.partner.AttestSourceCancellation(attestation, timeout=TIMEOUT),
    )
    _check_attestation(result)


@FUZZ
@given(
    attestation=st.builds(
        pb.AccountingAdjustmentAttestation,
        partner=mostly("CN-HK", st.one_of(st.just("CN-GD"), weird_text)),
        reference=real_or(weird_text),
        status=st.one_of(st.sampled_from([2, 3, 4]), enum_number),
        attested_at=rfc3339_text,
        note=weird_text,
    )
)
def test_signed_fuzzed_adjustments_get_results_or_coded_refusals(
    wire: Wire, attestation: pb.AccountingAdjustmentAttestation
) -> None:
    swap_real(attestation, wire.hk_reference)
    result = answer(
        "adjustments",
        "AttestAccountingAdjustment",
        lambda: wire.running.partner.AttestAccountingAdjustment(attestation, timeout=TIMEOUT),
    )
    _check_attestation(result)


@FUZZ
@given(
    redemption=st.builds(
        pb.RedeemPointsRequest,
        partner=mostly("CN-GD", st.one_of(st.just("CN-HK"), weird_text)),
        redemption_id=st.one_of(st.sampled_from(["FUZZ-R-1", "FUZZ-R-2", ""]), weird_text),
        person_pseudonym=mostly(PERSON, weird_text),
        points=st.one_of(st.integers(0, 3), st.integers(0, 2**64 - 1)),
        purpose=weird_text,
        redeemed_at=st.one_of(st.just(""), rfc3339_text),
    )
)
def test_signed_fuzzed_redemptions_get_answers_or_coded_refusals(
    wire: Wire, redemption: pb.RedeemPointsRequest
) -> None:
    result = answer(
        "redemptions",
        "RedeemPoints",
        lambda: wire.running.partner.RedeemPoints(redemption, timeout=TIMEOUT),
    )
    if result is not None:
        # Only a person Guangdong reported, and never more than they had.
        assert result.person_pseudonym == PERSON and result.points > 0, result


# -- 3. unary reads, reconciliation and the exchange ---------------------------

totals = st.lists(
    st.builds(
        ledger_pb.HoldingTotal,
        state=fuzzed("DELIVERED", weird_text),
        vintage=st.integers(0, 2**32 - 1),
        count=st.integers(0, 2**64 - 1),
        quantity=decimal_text,
    ),
    max_size=3,
)
holdings = st.lists(
    st.builds(
        ledger_pb.Holding,
        subject_id=real_or(weird_text),
        state=fuzzed("ISSUED", weird_text),
        vintage=st.integers(0, 2**32 - 1),
        quantity=decimal_text,
        serial=fuzzed(ORIGIN_SERIAL, serial_text),
        digest=weird_text,
        trail=st.lists(weird_text, max_size=3),
    ),
    max_size=3,
)
PARTNER_READS = [
    "GetClaimStatus",
    "GetPartnerSequence",
    "ListReconciliationRequests",
    "SubmitReconciliation",
    "GetPointsBalance",
    "GetInclusionProof",
    "GetConsistencyProof",
]


@FUZZ
@given(
    method=st.sampled_from(PARTNER_READS),
    partner=mostly("CN-GD", st.one_of(st.sampled_from(["CN-HK", "EXCHANGE"]), weird_text)),
    record_id=st.one_of(st.sampled_from(["FUZZ-BLOCK-1", "FUZZ-AWAIT-1"]), weird_text),
    reconciliation_id=st.one_of(st.just(""), weird_text),
    totals=totals,
    holdings=holdings,
    channel=mostly("CN-GD", st.just("exchange")),
)
def test_partner_reads_with_fuzzed_fields_get_coded_or_normal_answers(
    wire: Wire,
    method: str,
    partner: str,
    record_id: str,
    reconciliation_id: str,
    totals: list[ledger_pb.HoldingTotal],
    holdings: list[ledger_pb.Holding],
    channel: str,
) -> None:
    stub = partner_grpc.PartnerServiceStub(wire.running.clients.channel(channel))
    request: Message
    if method == "GetClaimStatus":
        request = pb.GetClaimStatusRequest(partner=partner, record_id=record_id)
    elif method == "GetPartnerSequence":
        request = pb.GetPartnerSequenceRequest(partner=partner)
    elif method == "ListReconciliationRequests":
        request = ledger_pb.ListReconciliationRequestsRequest(partner=partner)
    elif method == "GetPointsBalance":
        person = PERSON if record_id == "FUZZ-BLOCK-1" else record_id
        request = pb.GetPointsBalanceRequest(partner=partner, person_pseudonym=person)
    elif method == "GetInclusionProof":
        request = pb.GetInclusionProofRequest(
            partner=partner,
            claim_id=wire.claim_id if record_id == "FUZZ-BLOCK-1" else "",
            record_id=record_id,
            tree_size=len(holdings) * 2**61,
        )
    elif method == "GetConsistencyProof":
        request = pb.GetConsistencyProofRequest(
            partner=partner, first=len(totals), second=len(holdings) * 2**62
        )
    else:
        for holding in holdings:
            swap_real(holding, "FUZZ-BLOCK-1")
        request = ledger_pb.SubmitReconciliationRequest(
            reconciliation_id=reconciliation_id, partner=partner, totals=totals, holdings=holdings
        )
    answer("partner-reads", method, lambda: getattr(stub, method)(request, timeout=TIMEOUT))


EXCHANGE_CALLS = [
    "GetBlock",
    "StreamBlocks",
    "AcknowledgeBlocks",
    "ReportRetirement",
    "ListReconciliationRequests",
    "SubmitReconciliation",
]
block_ids = real_or(weird_text)


@FUZZ
@given(
    method=st.sampled_from(EXCHANGE_CALLS),
    block_id=block_ids,
    block_list=st.lists(block_ids, max_size=5),
    cursor=st.one_of(st.integers(0, 10), st.integers(0, 2**64 - 1)),
    max_events=st.one_of(st.integers(0, 3), st.integers(0, 2**32 - 1)),
    retirement=st.builds(
        exchange_pb.ReportRetirementRequest,
        retirement_id=weird_text,
        units=st.one_of(st.integers(0, 6), st.integers(0, 2**64 - 1)),
        purpose=st.one_of(st.sampled_from([1, 2, 3]), enum_number),
        beneficiary=weird_text,
        compliance_entity=weird_text,
        compliance_year=st.one_of(st.integers(2020, 2030), st.integers(0, 2**32 - 1)),
        verified_emissions_tco2e=decimal_text,
        event_name=weird_text,
        note=weird_text,
    ),
    partner=st.one_of(st.just(""), weird_text),
    reconciliation_id=st.one_of(st.just(""), weird_text),
    totals=totals,
    holdings=holdings,
    channel=mostly("exchange", st.just("CN-GD")),
)
def test_exchange_calls_with_fuzzed_fields_get_coded_or_normal_answers(
    wire: Wire,
    method: str,
    block_id: str,
    block_list: list[str],
    cursor: int,
    max_events: int,
    retirement: exchange_pb.ReportRetirementRequest,
    partner: str,
    reconciliation_id: str,
    totals: list[ledger_pb.HoldingTotal],
    holdings: list[ledger_pb.Holding],
    channel: str,
) -> None:
    stub = exchange_grpc.ExchangeServiceStub(wire.running.clients.channel(channel))
    real = wire.block_id
    block_id = real if block_id == REAL else block_id
    call: Callable[[], object]
    if method == "GetBlock":
        request = exchange_pb.GetBlockRequest(block_id=block_id)
        call = lambda: stub.GetBlock(request, timeout=TIMEOUT)  # noqa: E731
    elif method == "StreamBlocks":
        stream = exchange_pb.StreamBlocksRequest(after_cursor=cursor, max_events=max_events)
        call = lambda: list(stub.StreamBlocks(stream, timeout=TIMEOUT))  # noqa: E731
    elif method == "AcknowledgeBlocks":
        ids = [real if b == REAL else b for b in block_list]
        acknowledge = exchange_pb.AcknowledgeBlocksRequest(block_ids=ids)
        call = lambda: stub.AcknowledgeBlocks(acknowledge, timeout=TIMEOUT)  # noqa: E731
    elif method == "ReportRetirement":
        retirement.block_id = block_id
        call = lambda: stub.ReportRetirement(retirement, timeout=TIMEOUT)  # noqa: E731
    elif method == "ListReconciliationRequests":
        listing = ledger_pb.ListReconciliationRequestsRequest(partner=partner)
        call = lambda: stub.ListReconciliationRequests(listing, timeout=TIMEOUT)  # noqa: E731
    else:
        for holding in holdings:
            swap_real(holding, real)
        submission = ledger_pb.SubmitReconciliationRequest(
            reconciliation_id=reconciliation_id, partner=partner, totals=totals, holdings=holdings
        )
        call = lambda: stub.SubmitReconciliation(submission, timeout=TIMEOUT)  # noqa: E731
    answer("exchange", method, call)


# -- the bugs fuzzing found, now fixed: regressions ------------------------------


@pytest.mark.parametrize(
    ("start", "end"), [("2024-03-01", "9999-12-31"), ("0001-01-01", "2024-03-31")]
)
def test_bug1_a_period_at_the_edge_of_the_calendar_gets_a_verdict(
    wire: Wire, start: str, end: str
) -> None:
    claim = pv_claim(f"FUZZ-BUG1-{start}", 3, 5)
    claim.period_start, claim.period_end = start, end
    verdicts = answer("known-bugs", "BUG-1", lambda: submit(wire.running.partner, claim))
    assert verdicts is not None
    assert verdicts[0].decision == pb.DECISION_REJECTED and verdicts[0].checks


@pytest.mark.parametrize("quantity", ["9" * 28, "9" * 1000 + ".5"])
def test_bug2_an_enormous_activity_quantity_gets_a_verdict(wire: Wire, quantity: str) -> None:
    claim = pv_claim(f"FUZZ-BUG2-{len(quantity)}", 4, 5)
    claim.activity_quantity = quantity
    verdicts = answer("known-bugs", "BUG-2", lambda: submit(wire.running.partner, claim))
    assert verdicts is not None and verdicts[0].checks


@pytest.mark.parametrize(
    ("service", "method", "request_bytes"),
    [
        ("PartnerService", "RegisterProjects", b"\x0a\x02\xff\xfe"),
        ("PartnerService", "SubmitClaims", b"\x0a\x02\xff\xfe"),
        ("PartnerService", "GetClaimStatus", b"\x12\x01\x80"),
        ("PartnerService", "RegisterProjects", b"\x12\xff"),  # a truncated length
        ("ExchangeService", "GetBlock", b"\x0a\x01\xc0"),
    ],
)
def test_bug3_undecodable_request_bytes_get_a_coded_refusal(
    wire: Wire, service: str, method: str, request_bytes: bytes
) -> None:
    party = "exchange" if service == "ExchangeService" else "CN-GD"
    channel = wire.running.clients.channel(party)
    path = f"/carbonhub.v1.{service}/{method}"
    if method == "SubmitClaims":
        stream: Any = channel.stream_stream(path)
        call: Callable[[], Any] = lambda: list(stream(iter([request_bytes]), timeout=TIMEOUT))  # noqa: E731
    else:
        unary: Any = channel.unary_unary(path)
        call = lambda: unary(request_bytes, timeout=TIMEOUT)  # noqa: E731
    with pytest.raises(grpc.RpcError) as refused:
        call()
    assert coded(refused.value, path) == "INVALID_ARGUMENT:MESSAGE_UNDECODABLE"


@pytest.mark.parametrize("where", ["payload_type", "partner"])
def test_bug4_a_refusal_of_a_huge_string_keeps_its_code(wire: Wire, where: str) -> None:
    huge = "x" * 20_000
    if where == "payload_type":
        signed = ledger_pb.SignedPayload(
            payload_type=huge, payload=b"", key_id=wire.gd_key.key_id, signature=b"s" * 64
        )
    else:
        request = pb.RegisterProjectsRequest(partner=huge, sequence=wire.next_sequence())
        signed = wire.sign_bytes(PayloadType.PROJECTS.value, request.SerializeToString())
    stub = wire.gd
    with pytest.raises(grpc.RpcError) as refused:
        stub.RegisterProjects(signed, timeout=TIMEOUT)
    # A partner code over its limit (docs/limits.md) is refused as such.
    expected = "PAYLOAD_TYPE_MISMATCH" if where == "payload_type" else "FIELD_TOO_LONG"
    assert coded(refused.value, "BUG-4").endswith(":" + expected)
    assert len(refused.value.details() or "") < 1000  # the quote is clipped


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59-23:59"])
def test_bug5_an_attestation_time_at_the_edge_of_the_calendar_is_refused_with_a_code(
    wire: Wire, moment: str
) -> None:
    attestation = pb.AccountingAdjustmentAttestation(
        partner="CN-HK",
        reference=wire.hk_reference,
        status="ADJUSTMENT_STATUS_COMMITTED",
        attested_at=moment,
    )
    partner = wire.running.partner
    call = lambda: partner.AttestAccountingAdjustment(attestation, timeout=TIMEOUT)  # noqa: E731
    answer("known-bugs", "BUG-5", call)


@pytest.mark.parametrize("cursor", [2**63, 2**64 - 1])
def test_bug6_a_cursor_beyond_the_ledger_range_is_refused_with_a_code(
    wire: Wire, cursor: int
) -> None:
    """BUG-6: a StreamBlocks cursor above 2^63 - 1 overflowed the BIGINT
    comparison (UNKNOWN); the wire's uint64 allows it."""
    request = exchange_pb.StreamBlocksRequest(after_cursor=cursor, max_events=1)
    with pytest.raises(grpc.RpcError) as refused:
        list(wire.running.exchange.StreamBlocks(request, timeout=TIMEOUT))
    assert coded(refused.value, "BUG-6") == "INVALID_ARGUMENT:CURSOR_OUT_OF_RANGE"


# -- the hub still serves -----------------------------------------------------------


def test_the_hub_still_serves_after_the_fuzzing(wire: Wire) -> None:
    channel = wire.running.clients.channel("CN-GD")
    health = health_pb2_grpc.HealthStub(channel)
    status = health.Check(health_pb2.HealthCheckRequest(), timeout=TIMEOUT)
    assert status.status == health_pb2.HealthCheckResponse.SERVING
    project = pb.Project(
        project_id=FINAL_PROJECT,
        name="广州某厂房屋顶分布式光伏二期",
        owner_name="广州某新能源有限公司",
        owner_credit_code=CREDIT_CODE,
        partner_methodology="GD-PV",
        region_code="440100",
        # Another plant than the fuzzed projects' (a registration of the same
        # asset is rightly held as ASSET_ALREADY_REGISTERED).
        longitude="113.3644",
        latitude="23.0291",
        size_value="620",
        size_unit="kW",
        crediting_start="2023-01-01",
        crediting_end="2032-12-31",
        status=pb.PROJECT_STATUS_REGISTERED,
    )
    registered = wire.running.partner.RegisterProjects(
        pb.RegisterProjectsRequest(partner="CN-GD", delivery_id="FINAL", projects=[project]),
        timeout=TIMEOUT,
    )
    assert [r.decision for r in registered.results] == [pb.DECISION_ACCEPTED], registered
    claim = pv_claim("FUZZ-FINAL-1", 6, 7)
    claim.project_id = FINAL_PROJECT
    (verdict,) = submit(wire.running.partner, claim)
    assert verdict.decision == pb.DECISION_ACCEPTED, verdict
    block = wire.running.exchange.GetBlock(
        exchange_pb.GetBlockRequest(block_id=wire.block_id), timeout=TIMEOUT
    )
    assert block.block_id == wire.block_id
