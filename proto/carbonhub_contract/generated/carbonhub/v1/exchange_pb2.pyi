from carbonhub_contract.generated.carbonhub.v1 import ledger_pb2 as _ledger_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class BlockEventKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BLOCK_EVENT_KIND_UNSPECIFIED: _ClassVar[BlockEventKind]
    BLOCK_EVENT_KIND_QUALIFIED: _ClassVar[BlockEventKind]
    BLOCK_EVENT_KIND_CANCELLED: _ClassVar[BlockEventKind]
    BLOCK_EVENT_KIND_FROZEN: _ClassVar[BlockEventKind]
    BLOCK_EVENT_KIND_UNFROZEN: _ClassVar[BlockEventKind]

class RetirementPurpose(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RETIREMENT_PURPOSE_UNSPECIFIED: _ClassVar[RetirementPurpose]
    RETIREMENT_PURPOSE_ETS_OFFSET: _ClassVar[RetirementPurpose]
    RETIREMENT_PURPOSE_CARBON_NEUTRAL_EVENT: _ClassVar[RetirementPurpose]
    RETIREMENT_PURPOSE_VOLUNTARY: _ClassVar[RetirementPurpose]

class ClaimantKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CLAIMANT_KIND_UNSPECIFIED: _ClassVar[ClaimantKind]
    CLAIMANT_KIND_ORGANISATION: _ClassVar[ClaimantKind]
    CLAIMANT_KIND_PERSON: _ClassVar[ClaimantKind]
    CLAIMANT_KIND_EVENT: _ClassVar[ClaimantKind]
BLOCK_EVENT_KIND_UNSPECIFIED: BlockEventKind
BLOCK_EVENT_KIND_QUALIFIED: BlockEventKind
BLOCK_EVENT_KIND_CANCELLED: BlockEventKind
BLOCK_EVENT_KIND_FROZEN: BlockEventKind
BLOCK_EVENT_KIND_UNFROZEN: BlockEventKind
RETIREMENT_PURPOSE_UNSPECIFIED: RetirementPurpose
RETIREMENT_PURPOSE_ETS_OFFSET: RetirementPurpose
RETIREMENT_PURPOSE_CARBON_NEUTRAL_EVENT: RetirementPurpose
RETIREMENT_PURPOSE_VOLUNTARY: RetirementPurpose
CLAIMANT_KIND_UNSPECIFIED: ClaimantKind
CLAIMANT_KIND_ORGANISATION: ClaimantKind
CLAIMANT_KIND_PERSON: ClaimantKind
CLAIMANT_KIND_EVENT: ClaimantKind

class StreamBlocksRequest(_message.Message):
    __slots__ = ("after_cursor", "follow", "max_events")
    AFTER_CURSOR_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_FIELD_NUMBER: _ClassVar[int]
    MAX_EVENTS_FIELD_NUMBER: _ClassVar[int]
    after_cursor: int
    follow: bool
    max_events: int
    def __init__(self, after_cursor: _Optional[int] = ..., follow: _Optional[bool] = ..., max_events: _Optional[int] = ...) -> None: ...

class BlockEvent(_message.Message):
    __slots__ = ("cursor", "kind", "block", "reason")
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    BLOCK_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    cursor: int
    kind: BlockEventKind
    block: _ledger_pb2.Block
    reason: str
    def __init__(self, cursor: _Optional[int] = ..., kind: _Optional[_Union[BlockEventKind, str]] = ..., block: _Optional[_Union[_ledger_pb2.Block, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class AcknowledgeBlocksRequest(_message.Message):
    __slots__ = ("block_ids",)
    BLOCK_IDS_FIELD_NUMBER: _ClassVar[int]
    block_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, block_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class AcknowledgeResult(_message.Message):
    __slots__ = ("block_id", "state", "already")
    BLOCK_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    ALREADY_FIELD_NUMBER: _ClassVar[int]
    block_id: str
    state: _ledger_pb2.BlockState
    already: bool
    def __init__(self, block_id: _Optional[str] = ..., state: _Optional[_Union[_ledger_pb2.BlockState, str]] = ..., already: _Optional[bool] = ...) -> None: ...

class AcknowledgeBlocksResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[AcknowledgeResult]
    def __init__(self, results: _Optional[_Iterable[_Union[AcknowledgeResult, _Mapping]]] = ...) -> None: ...

class ReportRetirementRequest(_message.Message):
    __slots__ = ("retirement_id", "block_id", "units", "purpose", "beneficiary", "compliance_entity", "compliance_year", "verified_emissions_tco2e", "event_name", "note", "claim")
    RETIREMENT_ID_FIELD_NUMBER: _ClassVar[int]
    BLOCK_ID_FIELD_NUMBER: _ClassVar[int]
    UNITS_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    BENEFICIARY_FIELD_NUMBER: _ClassVar[int]
    COMPLIANCE_ENTITY_FIELD_NUMBER: _ClassVar[int]
    COMPLIANCE_YEAR_FIELD_NUMBER: _ClassVar[int]
    VERIFIED_EMISSIONS_TCO2E_FIELD_NUMBER: _ClassVar[int]
    EVENT_NAME_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    CLAIM_FIELD_NUMBER: _ClassVar[int]
    retirement_id: str
    block_id: str
    units: int
    purpose: RetirementPurpose
    beneficiary: str
    compliance_entity: str
    compliance_year: int
    verified_emissions_tco2e: str
    event_name: str
    note: str
    claim: NeutralityClaim
    def __init__(self, retirement_id: _Optional[str] = ..., block_id: _Optional[str] = ..., units: _Optional[int] = ..., purpose: _Optional[_Union[RetirementPurpose, str]] = ..., beneficiary: _Optional[str] = ..., compliance_entity: _Optional[str] = ..., compliance_year: _Optional[int] = ..., verified_emissions_tco2e: _Optional[str] = ..., event_name: _Optional[str] = ..., note: _Optional[str] = ..., claim: _Optional[_Union[NeutralityClaim, _Mapping]] = ...) -> None: ...

class NeutralityClaim(_message.Message):
    __slots__ = ("claim_id", "claimant_kind", "claimant_name", "event_name", "period_start", "period_end", "footprint_tco2e", "total_units")
    CLAIM_ID_FIELD_NUMBER: _ClassVar[int]
    CLAIMANT_KIND_FIELD_NUMBER: _ClassVar[int]
    CLAIMANT_NAME_FIELD_NUMBER: _ClassVar[int]
    EVENT_NAME_FIELD_NUMBER: _ClassVar[int]
    PERIOD_START_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    FOOTPRINT_TCO2E_FIELD_NUMBER: _ClassVar[int]
    TOTAL_UNITS_FIELD_NUMBER: _ClassVar[int]
    claim_id: str
    claimant_kind: ClaimantKind
    claimant_name: str
    event_name: str
    period_start: str
    period_end: str
    footprint_tco2e: str
    total_units: int
    def __init__(self, claim_id: _Optional[str] = ..., claimant_kind: _Optional[_Union[ClaimantKind, str]] = ..., claimant_name: _Optional[str] = ..., event_name: _Optional[str] = ..., period_start: _Optional[str] = ..., period_end: _Optional[str] = ..., footprint_tco2e: _Optional[str] = ..., total_units: _Optional[int] = ...) -> None: ...

class ReportRetirementResponse(_message.Message):
    __slots__ = ("retirement_id", "retired_block", "remainder_block", "replay", "certificate_id")
    RETIREMENT_ID_FIELD_NUMBER: _ClassVar[int]
    RETIRED_BLOCK_FIELD_NUMBER: _ClassVar[int]
    REMAINDER_BLOCK_FIELD_NUMBER: _ClassVar[int]
    REPLAY_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_ID_FIELD_NUMBER: _ClassVar[int]
    retirement_id: str
    retired_block: _ledger_pb2.Block
    remainder_block: _ledger_pb2.Block
    replay: bool
    certificate_id: str
    def __init__(self, retirement_id: _Optional[str] = ..., retired_block: _Optional[_Union[_ledger_pb2.Block, _Mapping]] = ..., remainder_block: _Optional[_Union[_ledger_pb2.Block, _Mapping]] = ..., replay: _Optional[bool] = ..., certificate_id: _Optional[str] = ...) -> None: ...

class GetBlockRequest(_message.Message):
    __slots__ = ("block_id",)
    BLOCK_ID_FIELD_NUMBER: _ClassVar[int]
    block_id: str
    def __init__(self, block_id: _Optional[str] = ...) -> None: ...
