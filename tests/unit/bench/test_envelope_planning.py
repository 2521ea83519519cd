"""The run's envelopes, planned lazily, are the ones the eager plan makes.

The benchmark no longer holds the run's claims: it reads the claim stream
once and sends each envelope as soon as it is full. The comparison with the
in-process path (tests/e2e/test_bench_ingest.py) and the verdicts of a given
``--claims`` and seed rely on every client getting the same claims, in the
same order, cut into the same envelopes, as ``plan_envelopes`` gives.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from adapters.wire_records import claim_to_proto
from carbonhub_contract.vocabulary.records import ClaimSubmission
from carbonhub_tools.bench.claims import PARTNER, BenchClaim, ClaimStream
from carbonhub_tools.bench.ingest import plan_envelopes, planned_envelopes, wire_envelopes

CLAIMS = 1500


def _by_client(
    planned: Iterator[tuple[int, list[ClaimSubmission]]], clients: int
) -> list[list[list[ClaimSubmission]]]:
    shares: list[list[list[ClaimSubmission]]] = [[] for _ in range(clients)]
    for client, envelope in planned:
        shares[client].append(envelope)
    return shares


@pytest.mark.parametrize("clients", [1, 2, 3, 7])
@pytest.mark.parametrize("size", [1, 40, 250, 5000])
def test_lazy_plan_gives_each_client_the_eager_envelopes(clients: int, size: int) -> None:
    eager = plan_envelopes(list(ClaimStream(CLAIMS)), clients, size)

    lazy = _by_client(planned_envelopes(ClaimStream(CLAIMS), clients, size), clients)

    assert lazy == eager
    assert sum(len(e) for share in lazy for e in share) == CLAIMS


@pytest.mark.parametrize("clients", [1, 3])
def test_wire_envelopes_carry_the_planned_claims(clients: int) -> None:
    eager = plan_envelopes(list(ClaimStream(CLAIMS)), clients, 100)
    stream = ClaimStream(CLAIMS)

    sent: list[list[list[object]]] = [[] for _ in range(clients)]
    for client, envelope in wire_envelopes(stream, clients, 100):
        assert envelope.partner == PARTNER
        assert envelope.delivery_id == stream.delivery_id
        sent[client].append(list(envelope.claims))

    assert sent == [[[claim_to_proto(c) for c in e] for e in share] for share in eager]


@pytest.mark.parametrize(("clients", "size"), [(1, 10), (4, 25), (9, 60)])
def test_lazy_plan_holds_at_most_one_envelope_per_client(clients: int, size: int) -> None:
    """Memory flat in the run's size: claims read but not yet sent stay under clients * size."""
    read = 0

    def counted() -> Iterator[BenchClaim]:
        nonlocal read
        for claim in ClaimStream(20_000):
            read += 1
            yield claim

    sent = 0
    most_waiting = 0
    for _, envelope in planned_envelopes(counted(), clients, size):
        sent += len(envelope)
        most_waiting = max(most_waiting, read - sent)

    assert sent == read == 20_000
    assert most_waiting < clients * size
