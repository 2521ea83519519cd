"""The disclosure API's response models: typed, so the OpenAPI document
describes every field a response carries."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from hub.services.disclosure import BlockEntry, ProjectEntry, RetirementEntry, TotalsEntry


class ProjectOut(BaseModel):
    partner: str
    project_id: str
    name: str
    partner_methodology: str
    region_code: str
    size_value: str
    size_unit: str
    crediting_start: date
    crediting_end: date
    status: str = Field(description="the partner's own status")
    review_state: str = Field(description="SUBMITTED, UNDER_REVIEW, APPROVED, REJECTED, SUSPENDED")
    updated_at: datetime

    @classmethod
    def of(cls, entry: ProjectEntry) -> ProjectOut:
        return cls(
            partner=entry.partner,
            project_id=entry.project_id,
            name=entry.name,
            partner_methodology=entry.partner_methodology,
            region_code=entry.region_code,
            size_value=entry.size_value,
            size_unit=entry.size_unit,
            crediting_start=entry.crediting_start,
            crediting_end=entry.crediting_end,
            status=entry.status,
            review_state=entry.review_state,
            updated_at=entry.updated_at,
        )


class BlockOut(BaseModel):
    block_id: str
    serial: str
    partner: str
    origin: str
    methodology: str
    vintage: int
    project: str
    first_unit: int
    last_unit: int
    units: int = Field(description="whole tCO2e")
    state: str
    adjustment_status: str
    issued_at: datetime

    @classmethod
    def of(cls, entry: BlockEntry) -> BlockOut:
        return cls(
            block_id=entry.block_id,
            serial=entry.serial,
            partner=entry.partner,
            origin=entry.origin,
            methodology=entry.methodology,
            vintage=entry.vintage,
            project=entry.project,
            first_unit=entry.first_unit,
            last_unit=entry.last_unit,
            units=entry.units,
            state=entry.state,
            adjustment_status=entry.adjustment_status,
            issued_at=entry.issued_at,
        )


class RetirementOut(BaseModel):
    retirement_id: str
    block_id: str
    serial: str
    partner: str
    methodology: str
    vintage: int
    units: int
    purpose: str
    beneficiary: str
    retired_at: datetime

    @classmethod
    def of(cls, entry: RetirementEntry) -> RetirementOut:
        return cls(
            retirement_id=entry.retirement_id,
            block_id=entry.block_id,
            serial=entry.serial,
            partner=entry.partner,
            methodology=entry.methodology,
            vintage=entry.vintage,
            units=entry.units,
            purpose=entry.purpose,
            beneficiary=entry.beneficiary,
            retired_at=entry.retired_at,
        )


class TotalsOut(BaseModel):
    key: str = Field(description="the group: partner, methodology, vintage or YYYY-MM")
    issued_units: int
    retired_units: int
    cancelled_units: int
    outstanding_units: int

    @classmethod
    def of(cls, entry: TotalsEntry) -> TotalsOut:
        return cls(
            key=entry.key,
            issued_units=entry.issued_units,
            retired_units=entry.retired_units,
            cancelled_units=entry.cancelled_units,
            outstanding_units=entry.outstanding_units,
        )


class ProjectPage(BaseModel):
    items: list[ProjectOut]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page; null: last")


class BlockPage(BaseModel):
    items: list[BlockOut]
    next_cursor: str | None


class RetirementPage(BaseModel):
    items: list[RetirementOut]
    next_cursor: str | None


class TotalsPage(BaseModel):
    items: list[TotalsOut]
    next_cursor: str | None
