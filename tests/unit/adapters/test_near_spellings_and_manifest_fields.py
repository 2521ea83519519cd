"""An unknown district names a few near spellings; manifest faults name their field."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from adapters.guangdong import GuangdongAdapter
from adapters.hechi.vocabulary import COUNTIES
from adapters.hongkong import HongKongAdapter
from adapters.hongkong.districts import near_districts
from adapters.macao.vocabulary import near_parishes
from adapters.near_spellings import LIMIT, near_spellings
from adapters.problem_codes import ProblemCode
from adapters.registry import adapter_for
from adapters.samples_manifest import refresh
from tests.unit.adapters.adapter_testkit import GD_01, HK_01, REPO

MO_01 = REPO / "adapters/macao/samples/MO-20250401-01"
HC_01 = REPO / "adapters/hechi/samples/HC-20241105-01"


def _near(message: str) -> list[str]:
    assert message.endswith(")") and " (near: " in message, message
    return message.rsplit(" (near: ", 1)[1][:-1].split(", ")


def test_near_spellings_are_few_and_best_first() -> None:
    vocabulary = [f"District {n}" for n in range(30)]
    found = near_spellings("District 1", vocabulary)
    assert found[0] == "District 1" and len(found) == LIMIT
    assert near_spellings("Mars", ["Wan Chai", "Sha Tin"]) == []


@pytest.mark.parametrize(
    ("hint", "expected"),
    [
        (near_districts("Kowlon City"), "Kowloon City"),
        (near_districts("九龍"), "九龍城"),
        (near_parishes("Sao Lorenco"), "São Lourenço"),
        (near_parishes("Taipaa"), "Taipa"),
    ],
)
def test_a_misspelt_district_or_parish_names_the_right_one(hint: str, expected: str) -> None:
    near = _near(hint)
    assert near[0] == expected and len(near) <= LIMIT


def _copy(sample: Path, tmp_path: Path) -> Path:
    folder = tmp_path / sample.name
    shutil.copytree(sample, folder)
    return folder


@pytest.mark.parametrize(
    ("name", "sample", "file", "wrong", "right"),
    [
        ("hongkong", HK_01, "activities.csv", "Tseung Kwan O", "Sha Tinn"),
        ("macao", MO_01, "actividades.csv", "橫琴", "Sao Lazarro"),
        ("hechi", HC_01, "projects.csv", "车河镇", "金城"),
    ],
)
def test_an_unknown_district_lists_at_most_three_near_spellings(
    name: str, sample: Path, file: str, wrong: str, right: str, tmp_path: Path
) -> None:
    folder = _copy(sample, tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    encoding = {"utf-8": "utf-8", "gb18030": "gb18030"}.get(manifest["encoding"], "utf-8")
    data = (folder / file).read_bytes().decode(encoding)
    assert wrong in data
    (folder / file).write_bytes(data.replace(wrong, right).encode(encoding))
    refresh(folder)
    problems = [
        p for p in adapter_for(name).read(folder).problems if p.code == "ROW_DISTRICT_UNKNOWN"
    ]
    assert problems, name
    for problem in problems:
        near = _near(problem.message)
        assert 1 <= len(near) <= LIMIT, problem.message
    # Never the whole vocabulary (Hechi has 30 spellings of its 11 counties).
    if name == "hechi":
        assert len(COUNTIES) > LIMIT and all(len(_near(p.message)) <= LIMIT for p in problems)


def test_manifest_faults_name_the_manifest_field(tmp_path: Path) -> None:
    folder = _copy(GD_01, tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    reductions = manifest["files"]["reductions"]
    for change, field in (
        ({"partner": "CN-HK"}, "partner"),
        ({"encoding": "latin-1"}, "encoding"),
        ({"files": {"projects": manifest["files"]["projects"]}}, "files.reductions"),
        ({"sha256": {**manifest["sha256"], reductions: "abc"}}, f'sha256["{reductions}"]'),
    ):
        (folder / "manifest.json").write_text(json.dumps({**manifest, **change}))
        (problem,) = GuangdongAdapter().read(folder).problems
        assert problem.code == ProblemCode.MANIFEST_INVALID
        assert problem.column == field and field in problem.message


def test_a_misspelt_hong_kong_district_keeps_its_row_out() -> None:
    delivery = HongKongAdapter().read(HK_01)
    (problem,) = [p for p in delivery.problems if p.code == "ROW_DISTRICT_UNKNOWN"]
    assert problem.line > 1 and problem.column == "district"
