"""Recompute (or check) the sha256 digests in a delivery's manifest.json.

For the sample deliveries kept in the repository: after editing a sample
CSV, run

    .venv/bin/python -m adapters.samples_manifest adapters/*/samples/*/

and ``--check`` to only report stale digests (exit 1 when any).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from adapters.manifest import MANIFEST_NAME, file_digest


def stale_digests(delivery_dir: Path) -> dict[str, tuple[str, str]]:
    """File name → (digest in the manifest, actual digest), for each that differs."""
    manifest = json.loads((delivery_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
    stale: dict[str, tuple[str, str]] = {}
    for name in manifest["files"].values():
        actual = file_digest(delivery_dir / name)
        written = manifest.get("sha256", {}).get(name, "")
        if written != actual:
            stale[name] = (written, actual)
    return stale


def refresh(delivery_dir: Path) -> bool:
    """Rewrite the manifest's digests from the files; True when something changed."""
    path = delivery_dir / MANIFEST_NAME
    manifest = json.loads(path.read_text(encoding="utf-8"))
    digests = {name: file_digest(delivery_dir / name) for name in manifest["files"].values()}
    if manifest.get("sha256") == digests:
        return False
    manifest["sha256"] = digests
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return True


def main(argv: list[str]) -> int:
    check = "--check" in argv
    folders = [Path(a) for a in argv if a != "--check"]
    if not folders:
        print("usage: python -m adapters.samples_manifest [--check] DELIVERY_DIR...")
        return 2
    failed = False
    for folder in folders:
        if check:
            for name, (written, actual) in stale_digests(folder).items():
                print(f"{folder / name}: manifest says {written or '(none)'}, file is {actual}")
                failed = True
        elif refresh(folder):
            print(f"{folder / MANIFEST_NAME}: digests updated")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
