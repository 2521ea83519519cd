from carbonhub_contract.generated.carbonhub.v1 import ledger_pb2 as _ledger_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class CancelBlockRequest(_message.Message):
    __slots__ = ("block_id", "reason")
    BLOCK_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    block_id: str
    reason: str
    def __init__(self, block_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class SuperviseProjectRequest(_message.Message):
    __slots__ = ("partner", "project_id", "reason")
    PARTNER_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    partner: str
    project_id: str
    reason: str
    def __init__(self, partner: _Optional[str] = ..., project_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class SupervisionResult(_message.Message):
    __slots__ = ("partner", "project_id", "suspended", "claims_changed")
    PARTNER_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    SUSPENDED_FIELD_NUMBER: _ClassVar[int]
    CLAIMS_CHANGED_FIELD_NUMBER: _ClassVar[int]
    partner: str
    project_id: str
    suspended: bool
    claims_changed: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, partner: _Optional[str] = ..., project_id: _Optional[str] = ..., suspended: _Optional[bool] = ..., claims_changed: _Optional[_Iterable[str]] = ...) -> None: ...

class ResolveDiscrepancyRequest(_message.Message):
    __slots__ = ("discrepancy_id", "resolution")
    DISCREPANCY_ID_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    discrepancy_id: str
    resolution: str
    def __init__(self, discrepancy_id: _Optional[str] = ..., resolution: _Optional[str] = ...) -> None: ...
