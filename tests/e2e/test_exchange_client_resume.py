"""The reference exchange client against a real hub: disconnects at random
points, a process killed with SIGKILL mid-stream, retirements and a
reconciliation, and every issued block ends held exactly once."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import grpc
import pytest

from adapters.attestation_client import attest_adjustment
from adapters.hub_client import submit_delivery
from adapters.registry import adapter_for
from carbonhub_contract.generated.carbonhub.v1 import exchange_pb2 as ex
from carbonhub_contract.generated.carbonhub.v1 import exchange_pb2_grpc as ex_grpc
from carbonhub_contract.generated.carbonhub.v1 import ledger_pb2 as ledger
from carbonhub_contract.vocabulary.records import AdjustmentStatus
from hub.bootstrap import Hub, build_hub
from hub.exchange_client import ExchangeClient
from hub.exchange_client.connection import Backoff
from hub.exchange_client.state import (
    BlockStatus,
    RetirementStatus,
    StateFileError,
    load_state,
    save_state,
)
from hub.grpc_api.server import RunningServer
from hub.settings import HubSettings
from tests.trusted_clients import TrustedClients

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = [
    ("guangdong", ROOT / "adapters/guangdong/samples/GD-20241031-01"),
    ("guangdong", ROOT / "adapters/guangdong/samples/GD-20241107-02"),
    ("hongkong", ROOT / "adapters/hongkong/samples/HK-20241101-01"),
]
FAST = Backoff(initial=0.01, maximum=0.1)

pytestmark = pytest.mark.slow


@dataclass
class LiveHub:
    hub: Hub
    server: RunningServer
    clients: TrustedClients

    @property
    def channel(self) -> grpc.Channel:
        """The exchange's own channel, on its certificate."""
        return self.clients.channel("exchange")

    def tls_flags(self) -> list[str]:
        trust = self.clients.trust
        exchange = trust.parties["exchange"]
        return [
            "--ca",
            str(trust.ca),
            "--cert",
            str(exchange.certificate),
            "--key",
            str(exchange.key),
            "--hub-key",
            str(trust.pki_dir / "hub-signing.pub"),
        ]

    @property
    def exchange(self) -> ex_grpc.ExchangeServiceStub:
        return ex_grpc.ExchangeServiceStub(self.channel)

    def all_events(self) -> list[ex.BlockEvent]:
        return list(self.exchange.StreamBlocks(ex.StreamBlocksRequest(after_cursor=0)))

    def commit_hong_kong_adjustments(self) -> int:
        """Attest every adjustment reference of the HK sample COMMITTED: its blocks
        become routable and new QUALIFIED events appear. The blocks released."""
        delivery = adapter_for("hongkong").read(SAMPLES[2][1])
        refs = sorted({c.submission.adjustment_ref or "" for c in delivery.claims} - {""})
        released = 0
        for ref in refs:
            assert ref is not None
            outcome = attest_adjustment(
                self.clients.channel("CN-HK"),
                self.clients.signer("CN-HK"),
                ref,
                AdjustmentStatus.COMMITTED,
                datetime.now(UTC),
                "committed by the HK inventory team",
            )
            released += len(outcome.block_ids)
        return released


@pytest.fixture
def live_hub(tmp_path: Path) -> Iterator[LiveHub]:
    hub = build_hub(
        HubSettings(
            data_dir=tmp_path / "hub",
            grpc_port=0,
            issuance_interval=0,
            exchange_poll_interval=0.05,
            pki_dir=tmp_path / "trust" / "pki",
        )
    )
    trust = TrustedClients.prepare(tmp_path / "trust", hub.partner_keys)
    server = hub.serve()
    clients = TrustedClients(trust, server.address)
    try:
        for name, folder in SAMPLES:
            partner = adapter_for(name).partner
            submit_delivery(
                adapter_for(name).read(folder), clients.channel(partner), clients.signer(partner)
            )
        run = hub.issuance.issue_pending()
        assert run.blocks, "the samples issue blocks"
        yield LiveHub(hub, server, clients)
    finally:
        clients.close()
        server.stop(None)
        hub.close()


def _assert_everything_held_once(live: LiveHub, state_path: Path) -> None:
    events = live.all_events()
    state = load_state(state_path)
    qualified = {e.block.block_id for e in events if e.kind == ex.BLOCK_EVENT_KIND_QUALIFIED}
    assert state.cursor == events[-1].cursor
    assert set(state.blocks) == qualified
    serials = [b.serial for b in state.blocks.values()]
    assert len(serials) == len(set(serials))
    for block in state.blocks.values():
        assert block.status is BlockStatus.HELD and block.acknowledged
        at_hub = live.exchange.GetBlock(ex.GetBlockRequest(block_id=block.block_id))
        assert at_hub.state == ledger.BLOCK_STATE_DELIVERED
        assert (at_hub.serial, at_hub.units) == (block.serial, block.units)


def test_random_disconnects_end_with_every_block_held_once(
    live_hub: LiveHub, tmp_path: Path
) -> None:
    # Several seeded exchanges on one hub: each cancels its stream after a
    # random number of events, again and again, from its own state file.
    released = 0
    for seed in range(6):
        state_path = tmp_path / f"exchange-{seed}.json"
        rng = random.Random(seed)
        disconnects = 0
        rounds = 0
        while True:
            rounds += 1
            if seed == 0 and rounds == 4:
                # New events arrive between disconnects.
                released = live_hub.commit_hong_kong_adjustments()
            # A new client each round: what it knows comes from the state file only.
            client = ExchangeClient(live_hub.channel, state_path, ack_batch=2, backoff=FAST)
            summary = client.sync(max_events=rng.randint(1, 3))
            if summary.events == 0 and rounds > 4:
                break
            disconnects += summary.events > 0
            assert rounds < 500
        assert disconnects >= 5
        _assert_everything_held_once(live_hub, state_path)
    assert released > 0


def test_retirements_and_reconciliation_after_crashes(live_hub: LiveHub, tmp_path: Path) -> None:
    state_path = tmp_path / "exchange.json"
    live_hub.commit_hong_kong_adjustments()
    client = ExchangeClient(live_hub.channel, state_path, backoff=FAST)
    client.sync()
    outcomes = client.retire_by_policy()
    assert {o.purpose for o in outcomes} == {"CARBON_NEUTRAL_EVENT", "ETS_OFFSET", "VOLUNTARY"}
    assert all(not o.refusal for o in outcomes), outcomes
    split = [o for o in outcomes if o.remainder_block_id]
    assert split, "an ETS offset of half a block splits it"
    # A crash after the hub applied the retirements, before the answers were
    # stored: the intentions are replayed and the hub answers replay=true.
    state = load_state(state_path)
    for record in state.retirements.values():
        record.status = RetirementStatus.PENDING
    for o in outcomes:
        state.blocks[o.block_id].status = BlockStatus.HELD
    save_state(state, state_path)
    again = ExchangeClient(live_hub.channel, state_path, backoff=FAST).retire_by_policy()
    assert sorted(o.retirement_id for o in again) == sorted(o.retirement_id for o in outcomes)
    assert all(o.replay for o in again)
    assert {(o.retired_block_id, o.remainder_block_id) for o in again} == {
        (o.retired_block_id, o.remainder_block_id) for o in outcomes
    }
    # The exchange's holdings agree with the hub's, totals, blocks and trail.
    client = ExchangeClient(live_hub.channel, state_path, backoff=FAST)
    client.sync()
    assert client.answer_reconciliations() == []
    (started,) = client.answer_reconciliations(start_if_none=True)
    assert started.status == "CONSISTENT", started.discrepancies
    # A reconciliation the hub requested is answered too.
    live_hub.hub.reconciliations.request("EXCHANGE", "bureau officer")
    (answered,) = client.answer_reconciliations()
    assert answered.status == "CONSISTENT"
    # A retirement the exchange forgot shows as a discrepancy and freezes the block.
    forgotten = split[0]
    del client.state.retirements[forgotten.retirement_id]
    (inconsistent,) = client.answer_reconciliations(start_if_none=True)
    assert inconsistent.status == "INCONSISTENT"
    assert {d.subject_id for d in inconsistent.discrepancies} >= {forgotten.retired_block_id}


def _cli(live_hub: LiveHub, state_path: Path, *flags: str) -> subprocess.Popen[str]:
    program = (
        "import typer\n"
        "from hub.exchange_client.cli import exchange_client_command\n"
        "typer.run(exchange_client_command)\n"
    )
    # The exchange's certificate, and every block's receipt checked under the hub key.
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            program,
            "--hub",
            live_hub.server.address,
            "--state",
            str(state_path),
            *live_hub.tls_flags(),
            *flags,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "COLUMNS": "160"},
        # As a terminal starts it: Ctrl-C at its default. A test run started in
        # the background (nohup, `&` without job control) passes SIGINT down
        # ignored, and Python then installs no KeyboardInterrupt handler.
        preexec_fn=_default_sigint,
    )


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_a_killed_client_process_resumes_from_its_state_file(
    live_hub: LiveHub, tmp_path: Path
) -> None:
    state_path = tmp_path / "exchange.json"
    rng = random.Random(11)
    kills = 0
    for round_number in range(4):
        process = _cli(live_hub, state_path, "--follow", "--no-retire", "--no-reconcile")
        if round_number == 1:
            live_hub.commit_hong_kong_adjustments()
        time.sleep(rng.uniform(0.3, 1.5))
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=30)
        kills += process.returncode == -signal.SIGKILL
        # Whatever the moment of the kill, the file is whole and self-consistent.
        try:
            state = load_state(state_path)
        except StateFileError as torn:  # pragma: no cover - the failure being tested for
            pytest.fail(f"state file torn by SIGKILL: {torn}")
        assert all(b.status is BlockStatus.HELD for b in state.blocks.values())
        leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".exchange.json")]
        # A temp file may survive a kill mid-write; it never replaces the state.
        assert len(leftovers) <= kills
    assert kills >= 3
    final = _cli(live_hub, state_path, "--no-retire", "--no-reconcile")
    output, _ = final.communicate(timeout=60)
    assert final.returncode == 0, output
    assert f"cursor {live_hub.all_events()[-1].cursor}" in output
    _assert_everything_held_once(live_hub, state_path)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "ctrl-c"])
def test_the_cli_stops_cleanly_and_reports(
    live_hub: LiveHub, tmp_path: Path, stop: signal.Signals
) -> None:
    state_path = tmp_path / "exchange.json"
    process = _cli(live_hub, state_path, "--follow", "--no-reconcile")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if state_path.exists() and any(
            r.status is RetirementStatus.DONE for r in load_state(state_path).retirements.values()
        ):
            break
        time.sleep(0.1)
    process.send_signal(stop)
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert "received" in output and "retired CARBON_NEUTRAL_EVENT" in output
    state = load_state(state_path)
    assert f"cursor {state.cursor}" in output
    events = int(output.split(f"cursor {state.cursor}; ")[1].split(" events")[0])
    assert events == state.cursor  # each event counted once, however the run ended
    assert state.cursor == live_hub.all_events()[-1].cursor
