from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from hub.serving.gc_tuning import MIDDLE_THRESHOLD, OLD_THRESHOLD, tune_for_serving
from hub.settings import HubSettings


@pytest.fixture
def restored_collector() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


@pytest.mark.usefixtures("restored_collector")
def test_serving_raises_the_young_threshold_and_freezes_the_start_up_heap() -> None:
    gc.unfreeze()
    loaded = [object() for _ in range(10)]  # stands for what serve loads at start

    tune_for_serving(HubSettings().gc_young_threshold)

    assert gc.get_threshold() == (50_000, MIDDLE_THRESHOLD, OLD_THRESHOLD)
    assert gc.get_freeze_count() > 0
    assert loaded


@pytest.mark.usefixtures("restored_collector")
def test_zero_leaves_the_interpreter_defaults() -> None:
    gc.unfreeze()
    before = gc.get_threshold()

    tune_for_serving(HubSettings(gc_young_threshold=0).gc_young_threshold)

    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_a_negative_threshold_is_a_settings_error() -> None:
    with pytest.raises(ValueError):
        HubSettings(gc_young_threshold=-1)
