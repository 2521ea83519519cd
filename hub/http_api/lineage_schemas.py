"""The block page's JSON twin (GET /api/v1/blocks/{serial}): typed, so the
OpenAPI document describes every field of a block's lineage."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Self

from pydantic import BaseModel, Field

from hub.http_api.partner_names import PartnerName
from hub.http_api.schemas import BlockOut, RetirementOut
from hub.services.block_lineage import BlockFamily, BlockLineage


class NamesOut(BaseModel):
    """A partner's names; the API keeps the code as the key everywhere else."""

    code: str
    region: dict[str, str] = Field(description="by language: zh-CN, zh-Hant, en")
    registry: dict[str, str] = Field(description="the partner registry, by language")

    @classmethod
    def of(cls, code: str, names: Mapping[str, PartnerName]) -> Self:
        found = names.get(code)
        languages = ("zh-CN", "zh-Hant", "en")
        if found is None:
            return cls(code=code, region={}, registry={})
        return cls(
            code=code,
            region={lang: found.region(lang) for lang in languages},
            registry={lang: found.registry(lang) for lang in languages},
        )


class FamilyBlockOut(BlockOut):
    parent_block_id: str | None = Field(description="the block it was split from")
    delivered_at: datetime | None = Field(description="the exchange's first acknowledgement")
    updated_at: datetime = Field(description="its last change of state")

    @classmethod
    def of_family(cls, member: BlockFamily) -> Self:
        return cls.model_validate(
            {
                **BlockOut.of(member.entry).model_dump(),
                "parent_block_id": member.parent_block_id,
                "delivered_at": member.delivered_at,
                "updated_at": member.updated_at,
            }
        )


class SourceRecordOut(BaseModel):
    record_id: str = Field(description="the partner's record id")
    received_at: datetime
    credited_tco2e: Decimal
    origin_serial: str | None = Field(description="cancelled at source; null: none issued")
    cancellation_id: str | None
    cancelled_at: datetime | None
    attested_at: datetime | None = Field(description="when the origin attested the cancellation")
    record_credited_tco2e: Decimal | None = Field(
        default=None,
        description="the record's whole credited tCO2e when its monitoring period spans "
        "31 December and this block's vintage holds only its part (credited_tco2e, pro rata "
        "by the period's time in this year); null: issued whole",
    )


class AdjustmentOut(BaseModel):
    status: str = Field(description="NOT_REQUIRED, PENDING, COMMITTED, COMPLETED or REVOKED")
    attested_at: datetime


class AuditOut(BaseModel):
    seq: int = Field(description="the audit chain's row, covered by signed checkpoints")
    block_id: str
    event: str
    at: datetime
    hash: str = Field(description="the chain's hash at seq, 64 hex digits")


class BlockLineageOut(BaseModel):
    block: FamilyBlockOut = Field(description="the block of this serial")
    partner: NamesOut
    original: FamilyBlockOut = Field(description="the block as first issued")
    family: list[FamilyBlockOut] = Field(description="the original and every split of it")
    issuance_id: str | None
    claims: int = Field(description="partner records behind the issuance")
    personal_claims: int = Field(description="of which people's: counted, never listed")
    credited_tco2e: Decimal | None = Field(description="what those records credited")
    records: list[SourceRecordOut] = Field(description="at most 50, people's never")
    delivered_at: datetime | None
    retirements: list[RetirementOut]
    adjustment_ref: str | None
    adjustments: list[AdjustmentOut] = Field(description="the reference's history, oldest first")
    audit: list[AuditOut] = Field(description="the signed ledger's rows about the family")

    @classmethod
    def of(cls, lineage: BlockLineage, names: Mapping[str, PartnerName]) -> Self:
        return cls(
            block=FamilyBlockOut.of_family(lineage.block),
            partner=NamesOut.of(lineage.block.entry.partner, names),
            original=FamilyBlockOut.of_family(lineage.original),
            family=[FamilyBlockOut.of_family(m) for m in lineage.family],
            issuance_id=lineage.issuance_id,
            claims=lineage.claims,
            personal_claims=lineage.personal_claims,
            credited_tco2e=lineage.credited_tco2e,
            records=[
                SourceRecordOut(
                    record_id=r.record_id or "",
                    received_at=r.received_at,
                    credited_tco2e=r.credited_tco2e,
                    origin_serial=r.origin_serial,
                    cancellation_id=r.cancellation_id,
                    cancelled_at=r.cancelled_at,
                    attested_at=r.attested_at,
                    record_credited_tco2e=r.record_credited_tco2e,
                )
                for r in lineage.records
            ],
            delivered_at=lineage.delivered_at,
            retirements=[RetirementOut.of(r) for r in lineage.retirements],
            adjustment_ref=lineage.adjustment_ref,
            adjustments=[
                AdjustmentOut(status=a.status, attested_at=a.attested_at)
                for a in lineage.adjustments
            ],
            audit=[
                AuditOut(seq=a.seq, block_id=a.block_id, event=a.event, at=a.at, hash=a.hash)
                for a in lineage.audit
            ],
        )
