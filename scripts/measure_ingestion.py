"""Rough ingestion figures for the end-to-end hub (issue 6 builds the real benchmark).

    .venv/bin/python scripts/measure_ingestion.py --claims 20000

Streams N synthetic Guangdong personal metro claims (distinct people and days,
so every one is accepted and takes its locks) through a real gRPC server with
mutual TLS, each envelope signed by the partner and each verdict batch signed
by the hub, into a fresh SQLite database, and, in the same run on the same claims, times the
domain assessment alone (normalisation + conformity, no storage, no gRPC)
as the baseline. Prints both rates and the ratio end-to-end / baseline.
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from adapters.wire_records import claim_to_proto
from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from carbonhub_contract.generated.carbonhub.v1 import partner_pb2_grpc as pb_grpc
from carbonhub_contract.vocabulary.envelopes import PayloadType
from carbonhub_contract.vocabulary.records import ClaimSubmission
from carbonhub_tools.demo.trust import prepare_trust
from hub.bootstrap import build_hub
from hub.domain.claim_assessment import assess_claim
from hub.settings import HubSettings
from hub.standard import default_standards_dir, load_standard


def synthetic(n: int) -> list[ClaimSubmission]:
    claims = []
    for i in range(n):
        day = f"2024-{(i % 12) + 1:02d}-{(i % 28) + 1:02d}"
        claims.append(
            ClaimSubmission(
                partner="CN-GD",
                delivery_id="MEASURE",
                record_id=f"M-{i}",
                partner_methodology="GD-METRO",
                period_start=day,
                period_end=day,
                time_zone="Asia/Shanghai",
                activity_quantity=f"{10 + i % 30}.5",
                activity_unit="pkm",
                person_pseudonym=hashlib.sha256(f"p{i}".encode()).hexdigest(),
            )
        )
    return claims


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=20000)
    parser.add_argument("--envelope", type=int, default=500)
    options = parser.parse_args()
    claims = synthetic(options.claims)
    now = datetime(2026, 11, 24, tzinfo=UTC)

    standard = load_standard(default_standards_dir())
    started = time.perf_counter()
    for claim in claims:
        assess_claim(claim, standard, None, now)
    baseline = options.claims / (time.perf_counter() - started)

    with tempfile.TemporaryDirectory() as folder:
        settings = HubSettings(
            data_dir=Path(folder),
            database_url=f"sqlite:///{folder}/hub.db",
            grpc_port=0,
            pki_dir=Path(folder) / "pki",
        )
        hub = build_hub(settings)
        trust = prepare_trust(Path(folder), ["CN-GD"], hub.partner_keys)
        running = hub.serve()
        try:
            with trust.channel(running.address, "CN-GD") as channel:
                stub = pb_grpc.PartnerServiceStub(channel)  # type: ignore[no-untyped-call]
                signer = trust.signer("CN-GD", channel)
                envelopes = [
                    signer.sign(
                        PayloadType.CLAIM_ENVELOPE,
                        pb.ClaimEnvelope(
                            partner="CN-GD",
                            delivery_id="MEASURE",
                            claims=[claim_to_proto(c) for c in claims[k : k + options.envelope]],
                        ),
                    )
                    for k in range(0, len(claims), options.envelope)
                ]
                started = time.perf_counter()
                accepted = sum(
                    1
                    for batch in stub.SubmitClaims(iter(envelopes))
                    for v in batch.verdicts
                    if v.decision == pb.DECISION_ACCEPTED
                )
                end_to_end = options.claims / (time.perf_counter() - started)
        finally:
            running.stop(None)
            hub.close()
    print(f"claims: {options.claims}, accepted: {accepted}")
    print(f"baseline (assessment only, no storage, no gRPC): {baseline:,.0f} claims/s")
    print(
        f"end to end (mTLS + signatures + assessment + locks + SQLite): {end_to_end:,.0f} claims/s"
    )
    print(f"ratio end-to-end / baseline: {end_to_end / baseline:.2f}")


if __name__ == "__main__":
    main()
