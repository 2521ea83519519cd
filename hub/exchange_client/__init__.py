"""The reference Shenzhen exchange: a real client of carbonhub.v1.ExchangeService.

It stands for an external system, so it is written from the proto alone: it
imports the generated stubs, grpc, the standard library, rich, typer and
cryptography (to check the hub's receipts itself, receipts.py), and nothing
of the hub's services, storage, domain or trust code.

    hub_key = HubKey.from_file(Path("pki/hub-signing.pub"))  # optional
    client = ExchangeClient(channel, Path("exchange-state.json"), hub_key=hub_key)
    client.sync()                    # hold and acknowledge every qualified block
    client.retire_by_policy()        # deterministic retirements (see policy.py)
    client.answer_reconciliations(start_if_none=True)
"""

from hub.exchange_client.client import ExchangeClient
from hub.exchange_client.connection import ExchangeUnavailable
from hub.exchange_client.policy import Plan, plan_retirements, retirement_id
from hub.exchange_client.receipts import HubKey, HubKeyError, ReceiptProblem
from hub.exchange_client.reconciliation import ReconciliationOutcome
from hub.exchange_client.retirement_requests import RetirementOutcome
from hub.exchange_client.state import (
    BlockRecord,
    BlockStatus,
    ExchangeState,
    ReceiptRecord,
    RetirementRecord,
    StateFileError,
)
from hub.exchange_client.sync_summary import ReceiptRefusal, ReceiptRefused, SyncSummary

__all__ = [
    "BlockRecord",
    "BlockStatus",
    "ExchangeClient",
    "ExchangeState",
    "ExchangeUnavailable",
    "HubKey",
    "HubKeyError",
    "Plan",
    "ReceiptProblem",
    "ReceiptRecord",
    "ReceiptRefusal",
    "ReceiptRefused",
    "ReconciliationOutcome",
    "RetirementOutcome",
    "RetirementRecord",
    "StateFileError",
    "SyncSummary",
    "plan_retirements",
    "retirement_id",
]
