"""Regenerate the checked-in Python code for proto/ (run after editing a .proto).

    python scripts/generate_protos.py          # rewrite proto/carbonhub_contract/generated
    python scripts/generate_protos.py --check  # exit 1 if the checked-in code drifted

protoc writes absolute imports (``from carbonhub.v1 import x_pb2``) that only
work with the output folder on sys.path; they are rewritten to the package
path so the generated code imports like any other module of the contract.
"""

from __future__ import annotations

import argparse
import filecmp
import re
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROTO_ROOT = ROOT / "proto"
OUTPUT = ROOT / "proto" / "carbonhub_contract" / "generated"
PACKAGE = "carbonhub_contract.generated"


def generate(into: Path) -> None:
    import grpc_tools
    from grpc_tools import protoc

    protos = sorted(str(p.relative_to(PROTO_ROOT)) for p in PROTO_ROOT.rglob("*.proto"))
    include = Path(grpc_tools.__file__).parent / "_proto"
    args = [
        "grpc_tools.protoc",
        f"-I{PROTO_ROOT}",
        f"-I{include}",
        f"--python_out={into}",
        f"--pyi_out={into}",
        f"--grpc_python_out={into}",
        *protos,
    ]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")
    for path in into.rglob("*.py*"):
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"^from carbonhub\.", f"from {PACKAGE}.carbonhub.", text, flags=re.M)
        path.write_text(text, encoding="utf-8")
    for folder in [into, *(p for p in into.rglob("*") if p.is_dir())]:
        (folder / "__init__.py").touch()


def same_tree(a: Path, b: Path) -> bool:
    files_a = sorted(
        p.relative_to(a) for p in a.rglob("*") if p.is_file() and "__pycache__" not in p.parts
    )
    files_b = sorted(
        p.relative_to(b) for p in b.rglob("*") if p.is_file() and "__pycache__" not in p.parts
    )
    if files_a != files_b:
        return False
    return all(filecmp.cmp(a / f, b / f, shallow=False) for f in files_a)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the checked-in code drifted")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp)
        generate(fresh)
        if options.check:
            if not OUTPUT.exists() or not same_tree(fresh, OUTPUT):
                print(
                    f"{OUTPUT} drifted from {PROTO_ROOT}: run scripts/generate_protos.py",
                    file=sys.stderr,
                )
                return 1
            print("generated code matches proto/")
            return 0
        shutil.rmtree(OUTPUT, ignore_errors=True)
        shutil.copytree(fresh, OUTPUT)
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
