"""Code run in separate OS processes by the project registration race test (spawned)."""

from __future__ import annotations

import random
from typing import Any

from hub.services.projects import ProjectRegistrationService
from hub.standard import default_standards_dir, load_standard
from hub.storage.database import create_engine_for
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from tests.unit.services.builders import pv_project


def asset_project(worker: str, asset: int) -> Any:
    """Worker ``worker``'s registration of physical asset ``asset`` under its own id.

    Assets lie 0.05 degree apart (five grid cells): only one asset's
    registrations match each other."""
    return pv_project(
        project_id=f"{worker}-{asset:03}",
        longitude=f"{113 + asset * 0.05:.4f}",
        latitude="23.1703",
    )


def register_assets(url: str, worker: str, assets: int, seed: int, barrier: Any) -> dict[str, int]:
    """Register every asset one by one, in a shuffled order, as fast as possible."""
    engine = create_engine_for(url)
    service = ProjectRegistrationService(
        SqlAlchemyUnitOfWorkFactory(engine),
        load_standard(default_standards_dir()),
        write_retries=50,
    )
    order = list(range(assets))
    random.Random(seed).shuffle(order)
    held = 0
    barrier.wait(timeout=60)
    try:
        for asset in order:
            (result,) = service.register("CN-GD", [asset_project(worker, asset)])
            held += any(c.code == "ASSET_ALREADY_REGISTERED" for c in result.checks)
    finally:
        engine.dispose()
    return {"held": held}
