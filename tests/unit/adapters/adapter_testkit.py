"""Sample paths, a delivery writer and an in-process fake PartnerService for the adapter tests."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path

from adapters.samples_manifest import refresh
from hub.grpc_api.generated.carbonhub.v1 import partner_pb2 as pb
from hub.grpc_api.generated.carbonhub.v1 import partner_pb2_grpc as pb_grpc

REPO = Path(__file__).resolve().parents[3]
GD_01 = REPO / "adapters/guangdong/samples/GD-20241031-01"
GD_02 = REPO / "adapters/guangdong/samples/GD-20241107-02"
HK_01 = REPO / "adapters/hongkong/samples/HK-20241101-01"
TPL_01 = REPO / "adapters/partner_template/samples/TPL-20241101-01"
DATA = Path(__file__).resolve().parent / "data"


def write_delivery(
    folder: Path, partner: str, delivery_id: str, encoding: str, files: dict[str, tuple[str, bytes]]
) -> Path:
    """A delivery folder with files {role: (name, bytes)} and a manifest with correct digests."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.values():
        (folder / name).write_bytes(data)
    manifest = {
        "partner": partner,
        "delivery_id": delivery_id,
        "encoding": encoding,
        "created_at": "2024-11-01T10:00:00+08:00",
        "files": {role: name for role, (name, _) in files.items()},
        "sha256": {},
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    refresh(folder)
    return folder


@dataclass
class FakePartnerService(pb_grpc.PartnerServiceServicer):  # type: ignore[misc]
    """Accepts everything except record ids listed in ``reject`` (with a check naming a field)."""

    reject: dict[str, tuple[str, str]] = field(default_factory=dict)  # record_id → (code, field)
    envelopes: list[pb.ClaimEnvelope] = field(default_factory=list)
    project_requests: list[pb.RegisterProjectsRequest] = field(default_factory=list)
    streams: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def SubmitClaims(self, request_iterator, context):  # type: ignore[no-untyped-def]
        with self.lock:
            self.streams += 1
        for envelope in request_iterator:
            with self.lock:
                self.envelopes.append(envelope)
            verdicts = []
            for claim in envelope.claims:
                seen_before = sum(
                    1 for e in self.envelopes for c in e.claims if c.record_id == claim.record_id
                )
                if claim.record_id in self.reject:
                    code, name = self.reject[claim.record_id]
                    verdicts.append(
                        pb.Verdict(
                            record_id=claim.record_id,
                            claim_id=f"C-{claim.record_id}",
                            decision=pb.DECISION_REJECTED,
                            checks=[
                                pb.CheckResult(
                                    code=code,
                                    severity=pb.SEVERITY_ERROR,
                                    message_en=f"{code} on {claim.record_id}",
                                    details={"field": name} if name else {},
                                )
                            ],
                        )
                    )
                    continue
                verdicts.append(
                    pb.Verdict(
                        record_id=claim.record_id,
                        claim_id=f"C-{claim.record_id}",
                        decision=pb.DECISION_ACCEPTED,
                        resubmission=seen_before > 1,
                        reported_tco2e=claim.reported_tco2e,
                        recomputed_tco2e=claim.reported_tco2e,
                        credited_tco2e=claim.reported_tco2e,
                    )
                )
            yield pb.VerdictBatch(sequence=envelope.sequence, verdicts=verdicts)

    def RegisterProjects(self, request, context):  # type: ignore[no-untyped-def]
        self.project_requests.append(request)
        return pb.RegisterProjectsResponse(
            results=[
                pb.ProjectResult(project_id=p.project_id, decision=pb.DECISION_ACCEPTED)
                for p in request.projects
            ]
        )


@dataclass
class FakeHub:
    service: FakePartnerService
    address: str
