"""A trace's notes carry a claim's own values (issue 18: "activity 12.8 km
converted to 12.8 pkm"): claims whose traces differ only by their notes share
one claim_traces row, each reads back its own notes, and a row written before
(notes in the shared text, none in the body) reads back as it did."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import msgpack  # type: ignore[import-untyped]
from sqlalchemy import Engine, text

from hub.services.claim_port import NewClaimRecord
from hub.storage.hex_id_column import id_bytes
from hub.storage.serialisation import dumps, trace_to_dict, verdict_to_json
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from tests.integration.storage.records import record

_NOTES_KEY = 6  # hub.storage.claim_body._NOTES


def _with_notes(record_id: str, *notes: str) -> NewClaimRecord:
    base = record(record_id)
    assert base.normalised is not None
    trace = replace(base.normalised.trace, notes=notes)
    return replace(
        base,
        verdict=replace(base.verdict, trace=trace),
        normalised=replace(base.normalised, trace=trace),
    )


def _traces(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(text("SELECT shared FROM claim_traces")).scalars())


def test_claims_whose_notes_differ_share_one_trace_row_and_keep_their_own_notes(
    engine: Engine,
) -> None:
    factory = SqlAlchemyUnitOfWorkFactory(engine)
    first = _with_notes("BIKE-1", "activity 12.8 km converted to 12.8 pkm")
    second = _with_notes("BIKE-2", "activity 3.1 km converted to 3.1 pkm", "cap x 2 days")
    bare = _with_notes("BIKE-3")
    with factory() as uow:
        uow.claims.add([first, second])
        uow.commit()
    with factory() as uow:
        uow.claims.add([bare])
        uow.commit()
    assert len(_traces(engine)) == 1
    with factory() as uow:
        stored = uow.claims.get_by_record_ids("CN-GD", ["BIKE-1", "BIKE-2", "BIKE-3"])
        one = uow.claims.get_by_claim_id(second.verdict.claim_id)
    for original in (first, second, bare):
        back = stored[original.verdict.record_id].verdict
        assert back.trace is not None and original.verdict.trace is not None
        assert back.trace.notes == original.verdict.trace.notes
        assert verdict_to_json(back) == verdict_to_json(original.verdict)
    assert one is not None and verdict_to_json(one.verdict) == verdict_to_json(second.verdict)


def test_a_row_written_before_reads_its_notes_from_the_shared_text(engine: Engine) -> None:
    factory = SqlAlchemyUnitOfWorkFactory(engine)
    old = _with_notes("BIKE-OLD", "activity 12.8 km converted to 12.8 pkm")
    with factory() as uow:
        uow.claims.add([old])
        uow.commit()
    # Rewrite the row as the hub wrote it before issue 18: the whole trace
    # less its inputs in claim_traces, no notes in the body.
    assert old.verdict.trace is not None
    shared = dumps({k: v for k, v in trace_to_dict(old.verdict.trace).items() if k != "inputs"})
    with engine.begin() as connection:
        body = connection.execute(
            text("SELECT body FROM claims WHERE claim_id = :c"),
            {"c": id_bytes(old.verdict.claim_id)},
        ).scalar_one()
        data = msgpack.unpackb(body, raw=False, strict_map_key=False)
        assert data.pop(_NOTES_KEY) == ["activity 12.8 km converted to 12.8 pkm"]
        connection.execute(
            text("INSERT INTO claim_traces (digest, shared) VALUES (:d, :s)"),
            {"d": hashlib.sha256(shared.encode()).hexdigest(), "s": shared},
        )
        trace_id = connection.execute(
            text("SELECT trace_id FROM claim_traces WHERE shared = :s"), {"s": shared}
        ).scalar_one()
        connection.execute(
            text("UPDATE claims SET trace_id = :t, body = :b WHERE claim_id = :c"),
            {
                "t": trace_id,
                "b": msgpack.packb(data, use_bin_type=True),
                "c": id_bytes(old.verdict.claim_id),
            },
        )
    with factory() as uow:
        stored = uow.claims.get_by_record_ids("CN-GD", ["BIKE-OLD"])
        view = uow.claims.ledger_view(old.verdict.claim_id)
    back = stored["BIKE-OLD"].verdict
    assert back.trace is not None
    assert back.trace.notes == ("activity 12.8 km converted to 12.8 pkm",)
    assert verdict_to_json(back) == verdict_to_json(old.verdict)
    assert view is not None and verdict_to_json(view.verdict) == verdict_to_json(old.verdict)
    # The row first written (notes out) stays the one later claims share.
    with factory() as uow:
        uow.claims.add([_with_notes("BIKE-NEW", "activity 1 km converted to 1 pkm")])
        uow.commit()
    assert len(_traces(engine)) == 2
