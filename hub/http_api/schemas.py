"""The disclosure API's response models: typed, so the OpenAPI document
describes every field a response carries."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Self

from pydantic import BaseModel, ConfigDict, Field


class _Entry(BaseModel):
    """A response row read off the service's entry by attribute name (its
    derived properties, units and outstanding_units, included)."""

    model_config = ConfigDict(from_attributes=True)

    @classmethod
    def of(cls, entry: object) -> Self:
        return cls.model_validate(entry)


class ProjectOut(_Entry):
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


class BlockOut(_Entry):
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


class RetirementOut(_Entry):
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


class TotalsOut(_Entry):
    key: str = Field(description="the group: partner, methodology, vintage or YYYY-MM")
    issued_units: int
    retired_units: int
    cancelled_units: int
    outstanding_units: int


class PoolOut(_Entry):
    """The pooled personal reductions of one partner, platform and methodology:
    aggregates over the platform's pools (vintages, attestations), never a person."""

    partner: str
    platform: str = Field(description="the reporting platform (an id of the partner agreement)")
    methodology: str = Field(description="Shenzhen methodology")
    pools: int = Field(description="pools summed: one per vintage and attestation reference")
    claims: int = Field(description="accepted personal claims issued through the pools")
    credited_tco2e: Decimal = Field(description="their credited tCO2e")
    taken_over_tco2e: Decimal = Field(
        description="remainders of person accounts the pools took over when pooling began"
    )
    issued_units: int = Field(description="whole units issued to the platform's operator")
    carried_tco2e: Decimal = Field(description="carried unissued: under 1 t per pool")


class PoolList(BaseModel):
    items: list[PoolOut] = Field(description="by partner, platform, methodology; not paged")


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


class CheckpointOut(BaseModel):
    """A signed audit checkpoint, with everything needed to verify it offline
    (docs/audit-log.md): the signature is Ed25519 by the hub key ``key_id``
    over DSSE v1 PAE(payload_type, statement)."""

    seq: int = Field(description="the audit chain's last row covered (rows 1..seq)")
    head_hash: str = Field(description="the chain's hash at seq, 64 hex digits")
    at: str = Field(description="when it was signed, YYYY-MM-DDTHH:MM:SS.ffffffZ")
    key_id: str = Field(description="the hub signing key: ed25519: + 16 hex digits")
    payload_type: str = Field(description="the DSSE payload type signed under")
    statement: str = Field(
        description="the signed bytes (UTF-8): canonical JSON of at, head_hash, seq"
    )
    signature: str = Field(description="the Ed25519 signature, standard base64")


class CheckpointPage(BaseModel):
    items: list[CheckpointOut]
    next_cursor: str | None


class RegisterOut(_Entry):
    """One version of an outside register's list the bureau loaded: claims and
    projects are checked against a register's current version (docs/external-registers.md).
    Never who loaded it: no personal data."""

    kind: str = Field(description="ccer, gec, hk-rec or shenzhen")
    name: str = Field(description="the register's name")
    version: int = Field(description="versions count from 1 per kind")
    loaded_at: datetime = Field(description="when the bureau loaded it (RFC 3339)")
    sha256: str = Field(description="SHA-256 of the file as loaded, hex")
    entries: int = Field(description="entries in the list")
    current: bool = Field(description="the version in use: the highest of its kind")


class RegisterList(BaseModel):
    items: list[RegisterOut] = Field(description="every version, by kind then version")
    not_loaded: list[str] = Field(
        description="registers with no list loaded yet: nothing is checked against them"
    )
