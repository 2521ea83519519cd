"""The checked-in generated code matches proto/."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_generated_code_matches_the_proto_files() -> None:
    result = subprocess.run(
        [sys.executable, "scripts/generate_protos.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_drift_is_detected(tmp_path: Path) -> None:
    # A check that cannot fail proves nothing: edit a copy and expect failure.
    import shutil

    copy = tmp_path / "repo"
    # proto/ holds the .proto files and their generated code (carbonhub_contract).
    shutil.copytree(ROOT / "proto", copy / "proto", ignore=shutil.ignore_patterns("build"))
    shutil.copytree(ROOT / "scripts", copy / "scripts")
    proto = copy / "proto" / "carbonhub" / "v1" / "partner.proto"
    proto.write_text(
        proto.read_text(encoding="utf-8") + "\nmessage Drift { string x = 1; }\n", encoding="utf-8"
    )
    result = subprocess.run(
        [sys.executable, "scripts/generate_protos.py", "--check"],
        cwd=copy,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "drifted" in result.stderr
