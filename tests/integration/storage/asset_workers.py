"""Code run in separate OS processes by the tolerant asset matching race test (spawned)."""

from __future__ import annotations

import random
from typing import Any

from hub.services.projects import ProjectRegistrationService
from hub.standard import default_standards_dir, load_standard
from hub.storage.database import create_engine_for
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from tests.unit.services.builders import pv_project

# Each worker describes every roof its own way: another rounding of its
# capacity, another unit, its point a few hundred metres away.
DESCRIPTIONS: tuple[tuple[str, str, float], ...] = (
    ("380", "kW", 0.0),
    ("380.5", "kWp", 0.003),
    ("0.38", "MW", -0.004),
)


def roof(worker: int, asset: int) -> Any:
    """Worker ``worker``'s registration of roof ``asset``; roofs lie 0.05 degree
    (about 5 km) apart, so only one roof's registrations match each other."""
    size, unit, dlon = DESCRIPTIONS[worker % len(DESCRIPTIONS)]
    return pv_project(
        project_id=f"W{worker}-{asset:03}",
        size_value=size,
        size_unit=unit,
        longitude=f"{113 + asset * 0.05 + dlon:.4f}",
        latitude="23.1703",
    )


def register_roofs(url: str, worker: int, assets: int, barrier: Any) -> dict[str, int]:
    engine = create_engine_for(url)
    service = ProjectRegistrationService(
        SqlAlchemyUnitOfWorkFactory(engine),
        load_standard(default_standards_dir()),
        write_retries=50,
    )
    order = list(range(assets))
    random.Random(worker).shuffle(order)
    held = 0
    barrier.wait(timeout=60)
    try:
        for asset in order:
            (result,) = service.register("CN-GD", [roof(worker, asset)])
            held += any(c.code == "ASSET_ALREADY_REGISTERED" for c in result.checks)
    finally:
        engine.dispose()
    return {"held": held}
