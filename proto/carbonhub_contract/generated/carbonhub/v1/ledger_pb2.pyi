from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class BlockState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BLOCK_STATE_UNSPECIFIED: _ClassVar[BlockState]
    BLOCK_STATE_ISSUED: _ClassVar[BlockState]
    BLOCK_STATE_DELIVERED: _ClassVar[BlockState]
    BLOCK_STATE_RETIRED: _ClassVar[BlockState]
    BLOCK_STATE_CANCELLED: _ClassVar[BlockState]
    BLOCK_STATE_SPLIT: _ClassVar[BlockState]

class AdjustmentStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ADJUSTMENT_STATUS_UNSPECIFIED: _ClassVar[AdjustmentStatus]
    ADJUSTMENT_STATUS_NOT_REQUIRED: _ClassVar[AdjustmentStatus]
    ADJUSTMENT_STATUS_PENDING: _ClassVar[AdjustmentStatus]
    ADJUSTMENT_STATUS_COMMITTED: _ClassVar[AdjustmentStatus]
    ADJUSTMENT_STATUS_COMPLETED: _ClassVar[AdjustmentStatus]
    ADJUSTMENT_STATUS_REVOKED: _ClassVar[AdjustmentStatus]

class ReconciliationStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RECONCILIATION_STATUS_UNSPECIFIED: _ClassVar[ReconciliationStatus]
    RECONCILIATION_STATUS_REQUESTED: _ClassVar[ReconciliationStatus]
    RECONCILIATION_STATUS_CONSISTENT: _ClassVar[ReconciliationStatus]
    RECONCILIATION_STATUS_INCONSISTENT: _ClassVar[ReconciliationStatus]
    RECONCILIATION_STATUS_COMPLETED_WITH_MANUAL_INTERVENTION: _ClassVar[ReconciliationStatus]
BLOCK_STATE_UNSPECIFIED: BlockState
BLOCK_STATE_ISSUED: BlockState
BLOCK_STATE_DELIVERED: BlockState
BLOCK_STATE_RETIRED: BlockState
BLOCK_STATE_CANCELLED: BlockState
BLOCK_STATE_SPLIT: BlockState
ADJUSTMENT_STATUS_UNSPECIFIED: AdjustmentStatus
ADJUSTMENT_STATUS_NOT_REQUIRED: AdjustmentStatus
ADJUSTMENT_STATUS_PENDING: AdjustmentStatus
ADJUSTMENT_STATUS_COMMITTED: AdjustmentStatus
ADJUSTMENT_STATUS_COMPLETED: AdjustmentStatus
ADJUSTMENT_STATUS_REVOKED: AdjustmentStatus
RECONCILIATION_STATUS_UNSPECIFIED: ReconciliationStatus
RECONCILIATION_STATUS_REQUESTED: ReconciliationStatus
RECONCILIATION_STATUS_CONSISTENT: ReconciliationStatus
RECONCILIATION_STATUS_INCONSISTENT: ReconciliationStatus
RECONCILIATION_STATUS_COMPLETED_WITH_MANUAL_INTERVENTION: ReconciliationStatus

class Receipt(_message.Message):
    __slots__ = ("key_id", "statement", "signature")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    STATEMENT_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    statement: bytes
    signature: bytes
    def __init__(self, key_id: _Optional[str] = ..., statement: _Optional[bytes] = ..., signature: _Optional[bytes] = ...) -> None: ...

class SignedPayload(_message.Message):
    __slots__ = ("payload_type", "payload", "key_id", "signature")
    PAYLOAD_TYPE_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    payload_type: str
    payload: bytes
    key_id: str
    signature: bytes
    def __init__(self, payload_type: _Optional[str] = ..., payload: _Optional[bytes] = ..., key_id: _Optional[str] = ..., signature: _Optional[bytes] = ...) -> None: ...

class CorrespondingAdjustment(_message.Message):
    __slots__ = ("reference", "status")
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    reference: str
    status: AdjustmentStatus
    def __init__(self, reference: _Optional[str] = ..., status: _Optional[_Union[AdjustmentStatus, str]] = ...) -> None: ...

class Block(_message.Message):
    __slots__ = ("block_id", "serial", "origin", "methodology", "vintage", "project", "first_unit", "last_unit", "units", "state", "adjustment", "parent_block_id", "issued_at", "frozen", "receipt")
    BLOCK_ID_FIELD_NUMBER: _ClassVar[int]
    SERIAL_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_FIELD_NUMBER: _ClassVar[int]
    METHODOLOGY_FIELD_NUMBER: _ClassVar[int]
    VINTAGE_FIELD_NUMBER: _ClassVar[int]
    PROJECT_FIELD_NUMBER: _ClassVar[int]
    FIRST_UNIT_FIELD_NUMBER: _ClassVar[int]
    LAST_UNIT_FIELD_NUMBER: _ClassVar[int]
    UNITS_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    ADJUSTMENT_FIELD_NUMBER: _ClassVar[int]
    PARENT_BLOCK_ID_FIELD_NUMBER: _ClassVar[int]
    ISSUED_AT_FIELD_NUMBER: _ClassVar[int]
    FROZEN_FIELD_NUMBER: _ClassVar[int]
    RECEIPT_FIELD_NUMBER: _ClassVar[int]
    block_id: str
    serial: str
    origin: str
    methodology: str
    vintage: int
    project: str
    first_unit: int
    last_unit: int
    units: int
    state: BlockState
    adjustment: CorrespondingAdjustment
    parent_block_id: str
    issued_at: str
    frozen: bool
    receipt: Receipt
    def __init__(self, block_id: _Optional[str] = ..., serial: _Optional[str] = ..., origin: _Optional[str] = ..., methodology: _Optional[str] = ..., vintage: _Optional[int] = ..., project: _Optional[str] = ..., first_unit: _Optional[int] = ..., last_unit: _Optional[int] = ..., units: _Optional[int] = ..., state: _Optional[_Union[BlockState, str]] = ..., adjustment: _Optional[_Union[CorrespondingAdjustment, _Mapping]] = ..., parent_block_id: _Optional[str] = ..., issued_at: _Optional[str] = ..., frozen: _Optional[bool] = ..., receipt: _Optional[_Union[Receipt, _Mapping]] = ...) -> None: ...

class HoldingTotal(_message.Message):
    __slots__ = ("state", "vintage", "count", "quantity", "platform")
    STATE_FIELD_NUMBER: _ClassVar[int]
    VINTAGE_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    state: str
    vintage: int
    count: int
    quantity: str
    platform: str
    def __init__(self, state: _Optional[str] = ..., vintage: _Optional[int] = ..., count: _Optional[int] = ..., quantity: _Optional[str] = ..., platform: _Optional[str] = ...) -> None: ...

class Holding(_message.Message):
    __slots__ = ("subject_id", "state", "vintage", "quantity", "serial", "digest", "trail", "platform")
    SUBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    VINTAGE_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    SERIAL_FIELD_NUMBER: _ClassVar[int]
    DIGEST_FIELD_NUMBER: _ClassVar[int]
    TRAIL_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    subject_id: str
    state: str
    vintage: int
    quantity: str
    serial: str
    digest: str
    trail: _containers.RepeatedScalarFieldContainer[str]
    platform: str
    def __init__(self, subject_id: _Optional[str] = ..., state: _Optional[str] = ..., vintage: _Optional[int] = ..., quantity: _Optional[str] = ..., serial: _Optional[str] = ..., digest: _Optional[str] = ..., trail: _Optional[_Iterable[str]] = ..., platform: _Optional[str] = ...) -> None: ...

class ReconciliationRequest(_message.Message):
    __slots__ = ("reconciliation_id", "counterpart", "requested_at")
    RECONCILIATION_ID_FIELD_NUMBER: _ClassVar[int]
    COUNTERPART_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_AT_FIELD_NUMBER: _ClassVar[int]
    reconciliation_id: str
    counterpart: str
    requested_at: str
    def __init__(self, reconciliation_id: _Optional[str] = ..., counterpart: _Optional[str] = ..., requested_at: _Optional[str] = ...) -> None: ...

class ListReconciliationRequestsRequest(_message.Message):
    __slots__ = ("partner",)
    PARTNER_FIELD_NUMBER: _ClassVar[int]
    partner: str
    def __init__(self, partner: _Optional[str] = ...) -> None: ...

class ListReconciliationRequestsResponse(_message.Message):
    __slots__ = ("requests",)
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[ReconciliationRequest]
    def __init__(self, requests: _Optional[_Iterable[_Union[ReconciliationRequest, _Mapping]]] = ...) -> None: ...

class SubmitReconciliationRequest(_message.Message):
    __slots__ = ("reconciliation_id", "partner", "totals", "holdings")
    RECONCILIATION_ID_FIELD_NUMBER: _ClassVar[int]
    PARTNER_FIELD_NUMBER: _ClassVar[int]
    TOTALS_FIELD_NUMBER: _ClassVar[int]
    HOLDINGS_FIELD_NUMBER: _ClassVar[int]
    reconciliation_id: str
    partner: str
    totals: _containers.RepeatedCompositeFieldContainer[HoldingTotal]
    holdings: _containers.RepeatedCompositeFieldContainer[Holding]
    def __init__(self, reconciliation_id: _Optional[str] = ..., partner: _Optional[str] = ..., totals: _Optional[_Iterable[_Union[HoldingTotal, _Mapping]]] = ..., holdings: _Optional[_Iterable[_Union[Holding, _Mapping]]] = ...) -> None: ...

class Discrepancy(_message.Message):
    __slots__ = ("discrepancy_id", "phase", "kind", "subject_id", "hub_value", "counterpart_value", "resolved")
    DISCREPANCY_ID_FIELD_NUMBER: _ClassVar[int]
    PHASE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    HUB_VALUE_FIELD_NUMBER: _ClassVar[int]
    COUNTERPART_VALUE_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_FIELD_NUMBER: _ClassVar[int]
    discrepancy_id: str
    phase: str
    kind: str
    subject_id: str
    hub_value: str
    counterpart_value: str
    resolved: bool
    def __init__(self, discrepancy_id: _Optional[str] = ..., phase: _Optional[str] = ..., kind: _Optional[str] = ..., subject_id: _Optional[str] = ..., hub_value: _Optional[str] = ..., counterpart_value: _Optional[str] = ..., resolved: _Optional[bool] = ...) -> None: ...

class ReconciliationReport(_message.Message):
    __slots__ = ("reconciliation_id", "counterpart", "status", "discrepancies", "frozen_block_ids")
    RECONCILIATION_ID_FIELD_NUMBER: _ClassVar[int]
    COUNTERPART_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DISCREPANCIES_FIELD_NUMBER: _ClassVar[int]
    FROZEN_BLOCK_IDS_FIELD_NUMBER: _ClassVar[int]
    reconciliation_id: str
    counterpart: str
    status: ReconciliationStatus
    discrepancies: _containers.RepeatedCompositeFieldContainer[Discrepancy]
    frozen_block_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, reconciliation_id: _Optional[str] = ..., counterpart: _Optional[str] = ..., status: _Optional[_Union[ReconciliationStatus, str]] = ..., discrepancies: _Optional[_Iterable[_Union[Discrepancy, _Mapping]]] = ..., frozen_block_ids: _Optional[_Iterable[str]] = ...) -> None: ...
