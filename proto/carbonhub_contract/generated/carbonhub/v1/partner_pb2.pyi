from carbonhub_contract.generated.carbonhub.v1 import ledger_pb2 as _ledger_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class OriginStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ORIGIN_STATUS_UNSPECIFIED: _ClassVar[OriginStatus]
    ORIGIN_STATUS_NOT_ISSUED: _ClassVar[OriginStatus]
    ORIGIN_STATUS_ISSUED: _ClassVar[OriginStatus]
    ORIGIN_STATUS_CANCELLED: _ClassVar[OriginStatus]

class Decision(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DECISION_UNSPECIFIED: _ClassVar[Decision]
    DECISION_ACCEPTED: _ClassVar[Decision]
    DECISION_REJECTED: _ClassVar[Decision]
    DECISION_HELD: _ClassVar[Decision]

class Severity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SEVERITY_UNSPECIFIED: _ClassVar[Severity]
    SEVERITY_ERROR: _ClassVar[Severity]
    SEVERITY_REVIEW: _ClassVar[Severity]
    SEVERITY_WARNING: _ClassVar[Severity]
    SEVERITY_INFO: _ClassVar[Severity]

class ClaimState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CLAIM_STATE_UNSPECIFIED: _ClassVar[ClaimState]
    CLAIM_STATE_ACCEPTED: _ClassVar[ClaimState]
    CLAIM_STATE_REJECTED: _ClassVar[ClaimState]
    CLAIM_STATE_HELD: _ClassVar[ClaimState]
    CLAIM_STATE_AWAITING_SOURCE_CANCELLATION: _ClassVar[ClaimState]
    CLAIM_STATE_ISSUED: _ClassVar[ClaimState]
    CLAIM_STATE_VOIDED: _ClassVar[ClaimState]

class ProjectStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PROJECT_STATUS_UNSPECIFIED: _ClassVar[ProjectStatus]
    PROJECT_STATUS_REGISTERED: _ClassVar[ProjectStatus]
    PROJECT_STATUS_SUSPENDED: _ClassVar[ProjectStatus]
    PROJECT_STATUS_DEREGISTERED: _ClassVar[ProjectStatus]

class ProjectReviewState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PROJECT_REVIEW_STATE_UNSPECIFIED: _ClassVar[ProjectReviewState]
    PROJECT_REVIEW_STATE_SUBMITTED: _ClassVar[ProjectReviewState]
    PROJECT_REVIEW_STATE_UNDER_REVIEW: _ClassVar[ProjectReviewState]
    PROJECT_REVIEW_STATE_APPROVED: _ClassVar[ProjectReviewState]
    PROJECT_REVIEW_STATE_REJECTED: _ClassVar[ProjectReviewState]
    PROJECT_REVIEW_STATE_SUSPENDED: _ClassVar[ProjectReviewState]
ORIGIN_STATUS_UNSPECIFIED: OriginStatus
ORIGIN_STATUS_NOT_ISSUED: OriginStatus
ORIGIN_STATUS_ISSUED: OriginStatus
ORIGIN_STATUS_CANCELLED: OriginStatus
DECISION_UNSPECIFIED: Decision
DECISION_ACCEPTED: Decision
DECISION_REJECTED: Decision
DECISION_HELD: Decision
SEVERITY_UNSPECIFIED: Severity
SEVERITY_ERROR: Severity
SEVERITY_REVIEW: Severity
SEVERITY_WARNING: Severity
SEVERITY_INFO: Severity
CLAIM_STATE_UNSPECIFIED: ClaimState
CLAIM_STATE_ACCEPTED: ClaimState
CLAIM_STATE_REJECTED: ClaimState
CLAIM_STATE_HELD: ClaimState
CLAIM_STATE_AWAITING_SOURCE_CANCELLATION: ClaimState
CLAIM_STATE_ISSUED: ClaimState
CLAIM_STATE_VOIDED: ClaimState
PROJECT_STATUS_UNSPECIFIED: ProjectStatus
PROJECT_STATUS_REGISTERED: ProjectStatus
PROJECT_STATUS_SUSPENDED: ProjectStatus
PROJECT_STATUS_DEREGISTERED: ProjectStatus
PROJECT_REVIEW_STATE_UNSPECIFIED: ProjectReviewState
PROJECT_REVIEW_STATE_SUBMITTED: ProjectReviewState
PROJECT_REVIEW_STATE_UNDER_REVIEW: ProjectReviewState
PROJECT_REVIEW_STATE_APPROVED: ProjectReviewState
PROJECT_REVIEW_STATE_REJECTED: ProjectReviewState
PROJECT_REVIEW_STATE_SUSPENDED: ProjectReviewState

class ClaimEnvelope(_message.Message):
    __slots__ = ("partner", "delivery_id", "sequence", "claims")
    PARTNER_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_ID_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    CLAIMS_FIELD_NUMBER: _ClassVar[int]
    partner: str
    delivery_id: str
    sequence: int
    claims: _containers.RepeatedCompositeFieldContainer[Claim]
    def __init__(self, partner: _Optional[str] = ..., delivery_id: _Optional[str] = ..., sequence: _Optional[int] = ..., claims: _Optional[_Iterable[_Union[Claim, _Mapping]]] = ...) -> None: ...

class GetPartnerSequenceRequest(_message.Message):
    __slots__ = ("partner",)
    PARTNER_FIELD_NUMBER: _ClassVar[int]
    partner: str
    def __init__(self, partner: _Optional[str] = ...) -> None: ...

class PartnerSequence(_message.Message):
    __slots__ = ("partner", "last_sequence")
    PARTNER_FIELD_NUMBER: _ClassVar[int]
    LAST_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    partner: str
    last_sequence: int
    def __init__(self, partner: _Optional[str] = ..., last_sequence: _Optional[int] = ...) -> None: ...

class Claim(_message.Message):
    __slots__ = ("record_id", "partner_methodology", "period_start", "period_end", "time_zone", "activity_quantity", "activity_unit", "project_id", "person_pseudonym", "site_id", "region_code", "district", "material", "utility", "reported_tco2e", "origin_status", "origin_serial", "adjustment_ref", "verifier", "raw", "platform")
    class RawEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    PARTNER_METHODOLOGY_FIELD_NUMBER: _ClassVar[int]
    PERIOD_START_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    ACTIVITY_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    ACTIVITY_UNIT_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PERSON_PSEUDONYM_FIELD_NUMBER: _ClassVar[int]
    SITE_ID_FIELD_NUMBER: _ClassVar[int]
    REGION_CODE_FIELD_NUMBER: _ClassVar[int]
    DISTRICT_FIELD_NUMBER: _ClassVar[int]
    MATERIAL_FIELD_NUMBER: _ClassVar[int]
    UTILITY_FIELD_NUMBER: _ClassVar[int]
    REPORTED_TCO2E_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_STATUS_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_SERIAL_FIELD_NUMBER: _ClassVar[int]
    ADJUSTMENT_REF_FIELD_NUMBER: _ClassVar[int]
    VERIFIER_FIELD_NUMBER: _ClassVar[int]
    RAW_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    record_id: str
    partner_methodology: str
    period_start: str
    period_end: str
    time_zone: str
    activity_quantity: str
    activity_unit: str
    project_id: str
    person_pseudonym: str
    site_id: str
    region_code: str
    district: str
    material: str
    utility: str
    reported_tco2e: str
    origin_status: OriginStatus
    origin_serial: str
    adjustment_ref: str
    verifier: str
    raw: _containers.ScalarMap[str, str]
    platform: str
    def __init__(self, record_id: _Optional[str] = ..., partner_methodology: _Optional[str] = ..., period_start: _Optional[str] = ..., period_end: _Optional[str] = ..., time_zone: _Optional[str] = ..., activity_quantity: _Optional[str] = ..., activity_unit: _Optional[str] = ..., project_id: _Optional[str] = ..., person_pseudonym: _Optional[str] = ..., site_id: _Optional[str] = ..., region_code: _Optional[str] = ..., district: _Optional[str] = ..., material: _Optional[str] = ..., utility: _Optional[str] = ..., reported_tco2e: _Optional[str] = ..., origin_status: _Optional[_Union[OriginStatus, str]] = ..., origin_serial: _Optional[str] = ..., adjustment_ref: _Optional[str] = ..., verifier: _Optional[str] = ..., raw: _Optional[_Mapping[str, str]] = ..., platform: _Optional[str] = ...) -> None: ...

class CheckResult(_message.Message):
    __slots__ = ("code", "severity", "message_zh", "message_en", "details")
    class DetailsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CODE_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ZH_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_EN_FIELD_NUMBER: _ClassVar[int]
    DETAILS_FIELD_NUMBER: _ClassVar[int]
    code: str
    severity: Severity
    message_zh: str
    message_en: str
    details: _containers.ScalarMap[str, str]
    def __init__(self, code: _Optional[str] = ..., severity: _Optional[_Union[Severity, str]] = ..., message_zh: _Optional[str] = ..., message_en: _Optional[str] = ..., details: _Optional[_Mapping[str, str]] = ...) -> None: ...

class FactorUse(_message.Message):
    __slots__ = ("factor_id", "value", "unit", "region", "year", "source", "provisional")
    FACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    PROVISIONAL_FIELD_NUMBER: _ClassVar[int]
    factor_id: str
    value: str
    unit: str
    region: str
    year: int
    source: str
    provisional: bool
    def __init__(self, factor_id: _Optional[str] = ..., value: _Optional[str] = ..., unit: _Optional[str] = ..., region: _Optional[str] = ..., year: _Optional[int] = ..., source: _Optional[str] = ..., provisional: _Optional[bool] = ...) -> None: ...

class Trace(_message.Message):
    __slots__ = ("standard_version", "methodology", "formula_id", "formula", "inputs", "factors", "discount", "notes")
    class InputsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    STANDARD_VERSION_FIELD_NUMBER: _ClassVar[int]
    METHODOLOGY_FIELD_NUMBER: _ClassVar[int]
    FORMULA_ID_FIELD_NUMBER: _ClassVar[int]
    FORMULA_FIELD_NUMBER: _ClassVar[int]
    INPUTS_FIELD_NUMBER: _ClassVar[int]
    FACTORS_FIELD_NUMBER: _ClassVar[int]
    DISCOUNT_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    standard_version: str
    methodology: str
    formula_id: str
    formula: str
    inputs: _containers.ScalarMap[str, str]
    factors: _containers.RepeatedCompositeFieldContainer[FactorUse]
    discount: str
    notes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, standard_version: _Optional[str] = ..., methodology: _Optional[str] = ..., formula_id: _Optional[str] = ..., formula: _Optional[str] = ..., inputs: _Optional[_Mapping[str, str]] = ..., factors: _Optional[_Iterable[_Union[FactorUse, _Mapping]]] = ..., discount: _Optional[str] = ..., notes: _Optional[_Iterable[str]] = ...) -> None: ...

class Verdict(_message.Message):
    __slots__ = ("record_id", "claim_id", "decision", "checks", "resubmission", "methodology", "vintage", "reported_tco2e", "recomputed_tco2e", "credited_tco2e", "trace", "state", "block_serials", "carried_tco2e", "vintage_parts")
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    CLAIM_ID_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    CHECKS_FIELD_NUMBER: _ClassVar[int]
    RESUBMISSION_FIELD_NUMBER: _ClassVar[int]
    METHODOLOGY_FIELD_NUMBER: _ClassVar[int]
    VINTAGE_FIELD_NUMBER: _ClassVar[int]
    REPORTED_TCO2E_FIELD_NUMBER: _ClassVar[int]
    RECOMPUTED_TCO2E_FIELD_NUMBER: _ClassVar[int]
    CREDITED_TCO2E_FIELD_NUMBER: _ClassVar[int]
    TRACE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    BLOCK_SERIALS_FIELD_NUMBER: _ClassVar[int]
    CARRIED_TCO2E_FIELD_NUMBER: _ClassVar[int]
    VINTAGE_PARTS_FIELD_NUMBER: _ClassVar[int]
    record_id: str
    claim_id: str
    decision: Decision
    checks: _containers.RepeatedCompositeFieldContainer[CheckResult]
    resubmission: bool
    methodology: str
    vintage: int
    reported_tco2e: str
    recomputed_tco2e: str
    credited_tco2e: str
    trace: Trace
    state: ClaimState
    block_serials: _containers.RepeatedScalarFieldContainer[str]
    carried_tco2e: str
    vintage_parts: _containers.RepeatedCompositeFieldContainer[VintagePart]
    def __init__(self, record_id: _Optional[str] = ..., claim_id: _Optional[str] = ..., decision: _Optional[_Union[Decision, str]] = ..., checks: _Optional[_Iterable[_Union[CheckResult, _Mapping]]] = ..., resubmission: _Optional[bool] = ..., methodology: _Optional[str] = ..., vintage: _Optional[int] = ..., reported_tco2e: _Optional[str] = ..., recomputed_tco2e: _Optional[str] = ..., credited_tco2e: _Optional[str] = ..., trace: _Optional[_Union[Trace, _Mapping]] = ..., state: _Optional[_Union[ClaimState, str]] = ..., block_serials: _Optional[_Iterable[str]] = ..., carried_tco2e: _Optional[str] = ..., vintage_parts: _Optional[_Iterable[_Union[VintagePart, _Mapping]]] = ...) -> None: ...

class VintagePart(_message.Message):
    __slots__ = ("vintage", "credited_tco2e", "block_serials", "carried_tco2e")
    VINTAGE_FIELD_NUMBER: _ClassVar[int]
    CREDITED_TCO2E_FIELD_NUMBER: _ClassVar[int]
    BLOCK_SERIALS_FIELD_NUMBER: _ClassVar[int]
    CARRIED_TCO2E_FIELD_NUMBER: _ClassVar[int]
    vintage: int
    credited_tco2e: str
    block_serials: _containers.RepeatedScalarFieldContainer[str]
    carried_tco2e: str
    def __init__(self, vintage: _Optional[int] = ..., credited_tco2e: _Optional[str] = ..., block_serials: _Optional[_Iterable[str]] = ..., carried_tco2e: _Optional[str] = ...) -> None: ...

class VerdictBatch(_message.Message):
    __slots__ = ("sequence", "verdicts", "receipt")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    VERDICTS_FIELD_NUMBER: _ClassVar[int]
    RECEIPT_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    verdicts: _containers.RepeatedCompositeFieldContainer[Verdict]
    receipt: _ledger_pb2.Receipt
    def __init__(self, sequence: _Optional[int] = ..., verdicts: _Optional[_Iterable[_Union[Verdict, _Mapping]]] = ..., receipt: _Optional[_Union[_ledger_pb2.Receipt, _Mapping]] = ...) -> None: ...

class GetClaimStatusRequest(_message.Message):
    __slots__ = ("partner", "record_id")
    PARTNER_FIELD_NUMBER: _ClassVar[int]
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    partner: str
    record_id: str
    def __init__(self, partner: _Optional[str] = ..., record_id: _Optional[str] = ...) -> None: ...

class ClaimStatusResponse(_message.Message):
    __slots__ = ("verdict", "receipt")
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    RECEIPT_FIELD_NUMBER: _ClassVar[int]
    verdict: Verdict
    receipt: _ledger_pb2.Receipt
    def __init__(self, verdict: _Optional[_Union[Verdict, _Mapping]] = ..., receipt: _Optional[_Union[_ledger_pb2.Receipt, _Mapping]] = ...) -> None: ...

class Project(_message.Message):
    __slots__ = ("project_id", "name", "owner_name", "owner_credit_code", "partner_methodology", "region_code", "longitude", "latitude", "size_value", "size_unit", "crediting_start", "crediting_end", "status", "raw", "boundary", "boundary_crs")
    class RawEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    OWNER_NAME_FIELD_NUMBER: _ClassVar[int]
    OWNER_CREDIT_CODE_FIELD_NUMBER: _ClassVar[int]
    PARTNER_METHODOLOGY_FIELD_NUMBER: _ClassVar[int]
    REGION_CODE_FIELD_NUMBER: _ClassVar[int]
    LONGITUDE_FIELD_NUMBER: _ClassVar[int]
    LATITUDE_FIELD_NUMBER: _ClassVar[int]
    SIZE_VALUE_FIELD_NUMBER: _ClassVar[int]
    SIZE_UNIT_FIELD_NUMBER: _ClassVar[int]
    CREDITING_START_FIELD_NUMBER: _ClassVar[int]
    CREDITING_END_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    RAW_FIELD_NUMBER: _ClassVar[int]
    BOUNDARY_FIELD_NUMBER: _ClassVar[int]
    BOUNDARY_CRS_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    name: str
    owner_name: str
    owner_credit_code: str
    partner_methodology: str
    region_code: str
    longitude: str
    latitude: str
    size_value: str
    size_unit: str
    crediting_start: str
    crediting_end: str
    status: ProjectStatus
    raw: _containers.ScalarMap[str, str]
    boundary: str
    boundary_crs: str
    def __init__(self, project_id: _Optional[str] = ..., name: _Optional[str] = ..., owner_name: _Optional[str] = ..., owner_credit_code: _Optional[str] = ..., partner_methodology: _Optional[str] = ..., region_code: _Optional[str] = ..., longitude: _Optional[str] = ..., latitude: _Optional[str] = ..., size_value: _Optional[str] = ..., size_unit: _Optional[str] = ..., crediting_start: _Optional[str] = ..., crediting_end: _Optional[str] = ..., status: _Optional[_Union[ProjectStatus, str]] = ..., raw: _Optional[_Mapping[str, str]] = ..., boundary: _Optional[str] = ..., boundary_crs: _Optional[str] = ...) -> None: ...

class RegisterProjectsRequest(_message.Message):
    __slots__ = ("partner", "delivery_id", "projects", "sequence")
    PARTNER_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_ID_FIELD_NUMBER: _ClassVar[int]
    PROJECTS_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    partner: str
    delivery_id: str
    projects: _containers.RepeatedCompositeFieldContainer[Project]
    sequence: int
    def __init__(self, partner: _Optional[str] = ..., delivery_id: _Optional[str] = ..., projects: _Optional[_Iterable[_Union[Project, _Mapping]]] = ..., sequence: _Optional[int] = ...) -> None: ...

class ProjectResult(_message.Message):
    __slots__ = ("project_id", "decision", "checks", "review_state")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    CHECKS_FIELD_NUMBER: _ClassVar[int]
    REVIEW_STATE_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    decision: Decision
    checks: _containers.RepeatedCompositeFieldContainer[CheckResult]
    review_state: ProjectReviewState
    def __init__(self, project_id: _Optional[str] = ..., decision: _Optional[_Union[Decision, str]] = ..., checks: _Optional[_Iterable[_Union[CheckResult, _Mapping]]] = ..., review_state: _Optional[_Union[ProjectReviewState, str]] = ...) -> None: ...

class RegisterProjectsResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[ProjectResult]
    def __init__(self, results: _Optional[_Iterable[_Union[ProjectResult, _Mapping]]] = ...) -> None: ...

class SourceCancellationAttestation(_message.Message):
    __slots__ = ("partner", "claim_id", "origin_serial", "cancellation_id", "note", "cancelled_at", "sequence", "cancelled_first", "cancelled_last")
    PARTNER_FIELD_NUMBER: _ClassVar[int]
    CLAIM_ID_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_SERIAL_FIELD_NUMBER: _ClassVar[int]
    CANCELLATION_ID_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_AT_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_FIRST_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_LAST_FIELD_NUMBER: _ClassVar[int]
    partner: str
    claim_id: str
    origin_serial: str
    cancellation_id: str
    note: str
    cancelled_at: str
    sequence: int
    cancelled_first: int
    cancelled_last: int
    def __init__(self, partner: _Optional[str] = ..., claim_id: _Optional[str] = ..., origin_serial: _Optional[str] = ..., cancellation_id: _Optional[str] = ..., note: _Optional[str] = ..., cancelled_at: _Optional[str] = ..., sequence: _Optional[int] = ..., cancelled_first: _Optional[int] = ..., cancelled_last: _Optional[int] = ...) -> None: ...

class AccountingAdjustmentAttestation(_message.Message):
    __slots__ = ("partner", "reference", "status", "attested_at", "note", "sequence", "quantity_tco2e", "vintage")
    PARTNER_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ATTESTED_AT_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_TCO2E_FIELD_NUMBER: _ClassVar[int]
    VINTAGE_FIELD_NUMBER: _ClassVar[int]
    partner: str
    reference: str
    status: _ledger_pb2.AdjustmentStatus
    attested_at: str
    note: str
    sequence: int
    quantity_tco2e: str
    vintage: int
    def __init__(self, partner: _Optional[str] = ..., reference: _Optional[str] = ..., status: _Optional[_Union[_ledger_pb2.AdjustmentStatus, str]] = ..., attested_at: _Optional[str] = ..., note: _Optional[str] = ..., sequence: _Optional[int] = ..., quantity_tco2e: _Optional[str] = ..., vintage: _Optional[int] = ...) -> None: ...

class AttestationResult(_message.Message):
    __slots__ = ("accepted", "replay", "checks", "claim_ids", "block_ids")
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    REPLAY_FIELD_NUMBER: _ClassVar[int]
    CHECKS_FIELD_NUMBER: _ClassVar[int]
    CLAIM_IDS_FIELD_NUMBER: _ClassVar[int]
    BLOCK_IDS_FIELD_NUMBER: _ClassVar[int]
    accepted: bool
    replay: bool
    checks: _containers.RepeatedCompositeFieldContainer[CheckResult]
    claim_ids: _containers.RepeatedScalarFieldContainer[str]
    block_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, accepted: _Optional[bool] = ..., replay: _Optional[bool] = ..., checks: _Optional[_Iterable[_Union[CheckResult, _Mapping]]] = ..., claim_ids: _Optional[_Iterable[str]] = ..., block_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class RedeemPointsRequest(_message.Message):
    __slots__ = ("partner", "sequence", "redemption_id", "person_pseudonym", "points", "purpose", "redeemed_at")
    PARTNER_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    REDEMPTION_ID_FIELD_NUMBER: _ClassVar[int]
    PERSON_PSEUDONYM_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    REDEEMED_AT_FIELD_NUMBER: _ClassVar[int]
    partner: str
    sequence: int
    redemption_id: str
    person_pseudonym: str
    points: int
    purpose: str
    redeemed_at: str
    def __init__(self, partner: _Optional[str] = ..., sequence: _Optional[int] = ..., redemption_id: _Optional[str] = ..., person_pseudonym: _Optional[str] = ..., points: _Optional[int] = ..., purpose: _Optional[str] = ..., redeemed_at: _Optional[str] = ...) -> None: ...

class PointsRedemption(_message.Message):
    __slots__ = ("partner", "redemption_id", "person_pseudonym", "points", "balance", "repeated")
    PARTNER_FIELD_NUMBER: _ClassVar[int]
    REDEMPTION_ID_FIELD_NUMBER: _ClassVar[int]
    PERSON_PSEUDONYM_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    REPEATED_FIELD_NUMBER: _ClassVar[int]
    partner: str
    redemption_id: str
    person_pseudonym: str
    points: int
    balance: int
    repeated: bool
    def __init__(self, partner: _Optional[str] = ..., redemption_id: _Optional[str] = ..., person_pseudonym: _Optional[str] = ..., points: _Optional[int] = ..., balance: _Optional[int] = ..., repeated: _Optional[bool] = ...) -> None: ...

class GetPointsBalanceRequest(_message.Message):
    __slots__ = ("partner", "person_pseudonym")
    PARTNER_FIELD_NUMBER: _ClassVar[int]
    PERSON_PSEUDONYM_FIELD_NUMBER: _ClassVar[int]
    partner: str
    person_pseudonym: str
    def __init__(self, partner: _Optional[str] = ..., person_pseudonym: _Optional[str] = ...) -> None: ...

class PointsBalance(_message.Message):
    __slots__ = ("partner", "person_pseudonym", "balance", "awarded", "redeemed", "expired", "reversed", "next_expiry", "next_expiry_points")
    PARTNER_FIELD_NUMBER: _ClassVar[int]
    PERSON_PSEUDONYM_FIELD_NUMBER: _ClassVar[int]
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    AWARDED_FIELD_NUMBER: _ClassVar[int]
    REDEEMED_FIELD_NUMBER: _ClassVar[int]
    EXPIRED_FIELD_NUMBER: _ClassVar[int]
    REVERSED_FIELD_NUMBER: _ClassVar[int]
    NEXT_EXPIRY_FIELD_NUMBER: _ClassVar[int]
    NEXT_EXPIRY_POINTS_FIELD_NUMBER: _ClassVar[int]
    partner: str
    person_pseudonym: str
    balance: int
    awarded: int
    redeemed: int
    expired: int
    reversed: int
    next_expiry: str
    next_expiry_points: int
    def __init__(self, partner: _Optional[str] = ..., person_pseudonym: _Optional[str] = ..., balance: _Optional[int] = ..., awarded: _Optional[int] = ..., redeemed: _Optional[int] = ..., expired: _Optional[int] = ..., reversed: _Optional[int] = ..., next_expiry: _Optional[str] = ..., next_expiry_points: _Optional[int] = ...) -> None: ...

class GetInclusionProofRequest(_message.Message):
    __slots__ = ("partner", "claim_id", "record_id", "tree_size")
    PARTNER_FIELD_NUMBER: _ClassVar[int]
    CLAIM_ID_FIELD_NUMBER: _ClassVar[int]
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    TREE_SIZE_FIELD_NUMBER: _ClassVar[int]
    partner: str
    claim_id: str
    record_id: str
    tree_size: int
    def __init__(self, partner: _Optional[str] = ..., claim_id: _Optional[str] = ..., record_id: _Optional[str] = ..., tree_size: _Optional[int] = ...) -> None: ...

class SignedTreeHead(_message.Message):
    __slots__ = ("tree_size", "root_hash", "at", "key_id", "payload_type", "statement", "signature")
    TREE_SIZE_FIELD_NUMBER: _ClassVar[int]
    ROOT_HASH_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_TYPE_FIELD_NUMBER: _ClassVar[int]
    STATEMENT_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    tree_size: int
    root_hash: bytes
    at: str
    key_id: str
    payload_type: str
    statement: bytes
    signature: bytes
    def __init__(self, tree_size: _Optional[int] = ..., root_hash: _Optional[bytes] = ..., at: _Optional[str] = ..., key_id: _Optional[str] = ..., payload_type: _Optional[str] = ..., statement: _Optional[bytes] = ..., signature: _Optional[bytes] = ...) -> None: ...

class InclusionProof(_message.Message):
    __slots__ = ("claim_id", "leaf_index", "seq", "event", "audit_path", "tree_head")
    CLAIM_ID_FIELD_NUMBER: _ClassVar[int]
    LEAF_INDEX_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    AUDIT_PATH_FIELD_NUMBER: _ClassVar[int]
    TREE_HEAD_FIELD_NUMBER: _ClassVar[int]
    claim_id: str
    leaf_index: int
    seq: int
    event: bytes
    audit_path: _containers.RepeatedScalarFieldContainer[bytes]
    tree_head: SignedTreeHead
    def __init__(self, claim_id: _Optional[str] = ..., leaf_index: _Optional[int] = ..., seq: _Optional[int] = ..., event: _Optional[bytes] = ..., audit_path: _Optional[_Iterable[bytes]] = ..., tree_head: _Optional[_Union[SignedTreeHead, _Mapping]] = ...) -> None: ...

class GetConsistencyProofRequest(_message.Message):
    __slots__ = ("partner", "first", "second")
    PARTNER_FIELD_NUMBER: _ClassVar[int]
    FIRST_FIELD_NUMBER: _ClassVar[int]
    SECOND_FIELD_NUMBER: _ClassVar[int]
    partner: str
    first: int
    second: int
    def __init__(self, partner: _Optional[str] = ..., first: _Optional[int] = ..., second: _Optional[int] = ...) -> None: ...

class ConsistencyProof(_message.Message):
    __slots__ = ("first", "second", "consistency_path", "first_tree_head", "second_tree_head")
    FIRST_FIELD_NUMBER: _ClassVar[int]
    SECOND_FIELD_NUMBER: _ClassVar[int]
    CONSISTENCY_PATH_FIELD_NUMBER: _ClassVar[int]
    FIRST_TREE_HEAD_FIELD_NUMBER: _ClassVar[int]
    SECOND_TREE_HEAD_FIELD_NUMBER: _ClassVar[int]
    first: int
    second: int
    consistency_path: _containers.RepeatedScalarFieldContainer[bytes]
    first_tree_head: SignedTreeHead
    second_tree_head: SignedTreeHead
    def __init__(self, first: _Optional[int] = ..., second: _Optional[int] = ..., consistency_path: _Optional[_Iterable[bytes]] = ..., first_tree_head: _Optional[_Union[SignedTreeHead, _Mapping]] = ..., second_tree_head: _Optional[_Union[SignedTreeHead, _Mapping]] = ...) -> None: ...
