"""The delivery manifest (manifest.json) every partner sends with its files.

{"partner": "CN-GD", "delivery_id": "GD-20241031-01",
 "encoding": "utf-8" | "gb18030" | "big5hkscs", "created_at": "2024-10-31T18:00:00+08:00",
 "files": {"projects": "projects.csv", "reductions": "reductions.csv"},
 "sha256": {"projects.csv": "<hex>", "reductions.csv": "<hex>"}}
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

from adapters.delivery import RowProblem
from adapters.problem_codes import ProblemCode

MANIFEST_NAME = "manifest.json"

# Manifest spelling → Python codec. UTF-8 is read with "utf-8-sig" so a BOM is accepted.
ENCODINGS: Mapping[str, str] = {
    "utf-8": "utf-8-sig",
    "utf8": "utf-8-sig",
    "gb18030": "gb18030",
    # Older Macao (DSPA) exports; Python's codec name, and the spelling with a hyphen.
    "big5hkscs": "big5hkscs",
    "big5-hkscs": "big5hkscs",
}

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True, slots=True)
class Manifest:
    partner: str
    delivery_id: str
    encoding: str  # as written in the manifest, lower case
    created_at: str
    files: Mapping[str, str]  # role → file name
    sha256: Mapping[str, str]  # file name → lower hex digest

    @property
    def codec(self) -> str:
        return ENCODINGS[self.encoding]


class ManifestError(Exception):
    """The manifest cannot be used; the whole delivery is refused."""

    def __init__(self, problem: RowProblem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _invalid(message: str, field: str = "") -> ManifestError:
    """MANIFEST_INVALID; ``field`` (its column) is the manifest field at fault, e.g.
    ``sha256["reductions.csv"]``, "" when the file as a whole is not a manifest."""
    problem = RowProblem(MANIFEST_NAME, 0, field, ProblemCode.MANIFEST_INVALID, message)
    return ManifestError(problem)


def load_manifest(delivery_dir: Path, partner: str, roles: Collection[str]) -> Manifest:
    """Read and validate ``manifest.json``; raise ManifestError when it is unusable.

    ``roles`` are the file roles the partner's format requires (e.g.
    "projects", "reductions"); each must name a file with a sha256 digest.
    """
    path = delivery_dir / MANIFEST_NAME
    if not path.is_file():
        raise ManifestError(
            RowProblem(
                MANIFEST_NAME,
                0,
                "",
                ProblemCode.MANIFEST_MISSING,
                f"no {MANIFEST_NAME} in {delivery_dir}",
            )
        )
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (ValueError, RecursionError) as exc:
        # ValueError covers undecodable bytes, bad JSON and integers too long to
        # convert; RecursionError arrays or objects nested too deep to parse.
        raise _invalid(f"{MANIFEST_NAME} is not valid UTF-8 JSON: {str(exc)[:200]}") from exc
    if not isinstance(data, dict):
        raise _invalid(f"{MANIFEST_NAME} must hold a JSON object")

    def text(key: str) -> str:
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            raise _invalid(f"{MANIFEST_NAME}: '{key}' must be a non-empty string", key)
        return value.strip()

    def mapping(key: str) -> dict[str, str]:
        value = data.get(key)
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise _invalid(f"{MANIFEST_NAME}: '{key}' must be an object of strings", key)
        return {k: v.strip() for k, v in value.items()}

    delivered_partner = text("partner")
    if delivered_partner != partner:
        raise _invalid(
            f"{MANIFEST_NAME}: 'partner': the delivery is for partner {delivered_partner}, "
            f"this adapter reads {partner}",
            "partner",
        )
    encoding = text("encoding").lower()
    if encoding not in ENCODINGS:
        raise _invalid(
            f"{MANIFEST_NAME}: encoding '{encoding}' is not supported "
            f"(expected one of {', '.join(sorted(ENCODINGS))})",
            "encoding",
        )
    files = mapping("files")
    digests = {name: digest.lower() for name, digest in mapping("sha256").items()}
    for role in roles:
        name = files.get(role)
        if not name:
            raise _invalid(
                f"{MANIFEST_NAME}: 'files.{role}' is missing: 'files' has no '{role}' entry",
                f"files.{role}",
            )
        if Path(name).name != name:
            raise _invalid(
                f"{MANIFEST_NAME}: 'files.{role}': file name '{name}' must not contain a path",
                f"files.{role}",
            )
        if not _SHA256.match(digests.get(name, "")):
            field = f'sha256["{name}"]'
            raise _invalid(f"{MANIFEST_NAME}: '{field}' is not a valid sha256 digest", field)
    created_at = data.get("created_at", "")
    return Manifest(
        partner=delivered_partner,
        delivery_id=text("delivery_id"),
        encoding=encoding,
        created_at=created_at if isinstance(created_at, str) else "",
        files=files,
        sha256=digests,
    )
