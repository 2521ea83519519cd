"""The reference Shenzhen exchange: a real client of carbonhub.v1.ExchangeService.

It stands for an external system, so it is written from the proto alone: it
imports the generated stubs, grpc, the standard library, rich and typer, and
nothing of the hub's services, storage or domain.

    client = ExchangeClient(channel, Path("exchange-state.json"))
    client.sync()                    # hold and acknowledge every qualified block
    client.retire_by_policy()        # deterministic retirements (see policy.py)
    client.answer_reconciliations(start_if_none=True)
"""

from hub.exchange_client.client import (
    ExchangeClient,
    ExchangeUnavailable,
    ReconciliationOutcome,
    RetirementOutcome,
    SyncSummary,
)
from hub.exchange_client.policy import Plan, plan_retirements, retirement_id
from hub.exchange_client.state import (
    BlockRecord,
    BlockStatus,
    ExchangeState,
    RetirementRecord,
    StateFileError,
)

__all__ = [
    "BlockRecord",
    "BlockStatus",
    "ExchangeClient",
    "ExchangeState",
    "ExchangeUnavailable",
    "Plan",
    "ReconciliationOutcome",
    "RetirementOutcome",
    "RetirementRecord",
    "StateFileError",
    "SyncSummary",
    "plan_retirements",
    "retirement_id",
]
