"""The pages name Hong Kong's and Macao's attestation an inventory exclusion in
every language, and have a label for every status a block's exclusion can be in."""

from __future__ import annotations

import pytest

from carbonhub_contract.vocabulary.records import AdjustmentStatus
from hub.http_api.i18n import LANGUAGES, catalogue


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_exclusion_status_has_a_label(language: str) -> None:
    messages = catalogue(language)
    for status in AdjustmentStatus:
        assert messages.get(f"adjustment.{status}"), (language, status)


def test_the_column_names_the_inventory_exclusion_not_a_corresponding_adjustment() -> None:
    assert catalogue("zh-CN")["column.adjustment"] == "清单排除"
    assert catalogue("zh-Hant")["column.adjustment"] == "清單排除"
    assert catalogue("en")["column.adjustment"] == "Inventory exclusion"
    assert "撤回" in catalogue("zh-Hant")["adjustment.REVOKED"]
    for language in LANGUAGES:
        assert "Corresponding" not in catalogue(language)["lineage.adjustment"]
        assert "相应调整" not in catalogue(language)["lineage.adjustment"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_block_history_names_every_exclusion_event(language: str) -> None:
    messages = catalogue(language)
    for status in AdjustmentStatus:
        assert messages.get(f"event.ADJUSTMENT_{status}"), (language, status)
    assert messages.get("event.RETIRED_UNDER_REVOKED_EXCLUSION")
