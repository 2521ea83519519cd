"""The refusal catalogue holds every code the hub raises, and only those."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

from carbonhub_contract.vocabulary.checks import CATALOGUE as CHECKS
from hub.http_api.app import _HTTP_CODES
from hub.refusals import CATALOGUE
from tests.unit.refusals.code_scanner import Scan, scan_sources

REPO = Path(__file__).resolve().parents[3]

# Codes built at run time from something that is not a code of this
# catalogue; each must still be raised where said, so the list cannot rot.
DYNAMIC_SITES = {
    ("hub/services/exchange.py", "first.code"): (
        "an ETS offset retirement refused by its rules carries the first violated "
        "offset check code of hub.domain.checks (docs/checks.md, Retirements)"
    ),
    ("hub/grpc_api/field_checks.py", "problem.code"): (
        "a field over its limit: one of the module's code constants, each catalogued"
    ),
}
# Catalogued codes that no HubError carries: the web framework's router
# answers them, named in hub.http_api.app._HTTP_CODES.
ROUTER_CODES = {"NOT_FOUND", "METHOD_NOT_ALLOWED"}

_ERRORS = """
from enum import StrEnum
class ErrorKind(StrEnum):
    INVALID_ARGUMENT = "INVALID_ARGUMENT"
    UNAVAILABLE = "UNAVAILABLE"
    INTERNAL = "INTERNAL"
class HubError(Exception):
    kind = ErrorKind.INVALID_ARGUMENT
    def __init__(self, code, message, details=None):
        super().__init__(f"{code}: {message}")
class InvalidRequest(HubError):
    kind = ErrorKind.INVALID_ARGUMENT
class Retry(HubError):
    kind = ErrorKind.UNAVAILABLE
    def __init__(self, code, message, *, after=1.0):
        super().__init__(code, message)
class Fault(HubError):
    kind = ErrorKind.INTERNAL
    def __init__(self, incident):
        super().__init__("FAULT_FIXED", f"incident {incident}")
"""

_SERVICE = """
from hub import errors
from hub.errors import InvalidRequest, Retry
from hub.names import IMPORTED
LOCAL = "FROM_CONSTANT"
class Stopping(errors.Retry):
    pass
def a(flag):
    raise InvalidRequest("LITERAL", "m")
def b(flag):
    raise InvalidRequest("LEFT" if flag else "RIGHT", "m")
def c():
    raise errors.InvalidRequest(LOCAL, "m")
def d():
    raise Stopping(code=IMPORTED, message="m")
def e(value, code):
    raise InvalidRequest(code, value)
def f():
    e("x", "VIA_PARAMETER")
    e("y", code="VIA_KEYWORD")
def g():
    raise errors.Fault("incident-1")
def h(problem):
    raise InvalidRequest(problem.code, "m")
def i():
    try:
        a(True)
    except Retry as down:
        raise Retry(down.code, "again")
def j():
    raise InvalidRequest(" ".join(["NOT", "KNOWABLE"]), "m")
def k(message):
    raise ValueError("NOT_A_REFUSAL", message)
"""


def _snippet_scan() -> Scan:
    return scan_sources(
        {
            "hub/errors.py": _ERRORS,
            "hub/names.py": 'IMPORTED = "FROM_IMPORT"\n',
            "hub/service.py": _SERVICE,
        }
    )


def test_the_scanner_finds_every_form_a_code_is_given_in() -> None:
    scan = _snippet_scan()
    assert scan.codes() == {
        "LITERAL",
        "LEFT",
        "RIGHT",
        "FROM_CONSTANT",
        "FROM_IMPORT",
        "VIA_PARAMETER",
        "VIA_KEYWORD",
        "FAULT_FIXED",
    }
    kinds = {r.code: r.kind for r in scan.raised}
    assert kinds["FROM_IMPORT"] == "UNAVAILABLE"  # a local subclass inherits its kind
    assert kinds["FAULT_FIXED"] == "INTERNAL"
    assert kinds["LITERAL"] == "INVALID_ARGUMENT"
    where = {r.code: r.where for r in scan.raised}
    assert where["LITERAL"] == "hub/service.py:9"
    assert where["VIA_KEYWORD"] == "hub/service.py:20"  # the call that passes it


def test_the_scanner_reports_what_it_cannot_resolve() -> None:
    unresolved = {(u.where, u.expression) for u in _snippet_scan().unresolved}
    assert unresolved == {
        ("hub/service.py:24", "problem.code"),
        ("hub/service.py:31", "' '.join(['NOT', 'KNOWABLE'])"),
    }


def _hub_scan() -> Scan:
    sources = {
        str(path.relative_to(REPO)): path.read_text(encoding="utf-8")
        for path in sorted((REPO / "hub").rglob("*.py"))
        if "generated" not in path.parts
    }
    return scan_sources(sources)


def test_every_code_raised_in_hub_is_catalogued() -> None:
    missing = sorted(
        f"{r.code} ({r.kind}) at {r.where}" for r in _hub_scan().raised if r.code not in CATALOGUE
    )
    assert missing == [], "add these to hub/refusals, then run scripts/write_refusals_doc.py"


def test_each_code_is_raised_with_its_catalogued_kind() -> None:
    wrong = sorted(
        f"{r.code} raised as {r.kind} at {r.where}, catalogued as {CATALOGUE[r.code].kind}"
        for r in _hub_scan().raised
        if r.code in CATALOGUE and CATALOGUE[r.code].kind != r.kind
    )
    assert wrong == []


def test_every_catalogued_code_is_still_raised() -> None:
    raised = _hub_scan().codes() | _field_limit_codes()
    local = {code for code, reason in CATALOGUE.items() if reason.local}
    unraised = sorted(set(CATALOGUE) - raised - ROUTER_CODES - local)
    assert unraised == [], "remove these from hub/refusals, or raise them again"


def test_every_code_is_given_in_a_form_the_scan_can_read() -> None:
    scan = _hub_scan()
    sites = {(u.where.rsplit(":", 1)[0], u.expression) for u in scan.unresolved}
    unknown = sorted(
        f"{u.expression} at {u.where}"
        for u in scan.unresolved
        if (u.where.rsplit(":", 1)[0], u.expression) not in DYNAMIC_SITES
    )
    assert unknown == [], "give the code as a literal or a module constant"
    assert sorted(set(DYNAMIC_SITES) - sites) == [], "a dynamic site is gone: drop it"


def test_the_offset_codes_a_retirement_is_refused_with_are_check_codes() -> None:
    tree = ast.parse((REPO / "hub" / "domain" / "offsets.py").read_text(encoding="utf-8"))
    codes = {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and re.fullmatch(r"OFFSET_[A-Z_]+", node.value)
    }
    assert codes, "hub/domain/offsets.py names no OFFSET_ code any more"
    assert sorted(codes - set(CHECKS)) == []


def _field_limit_codes() -> set[str]:
    """The codes of hub/grpc_api/field_checks.py: its constants ``X = "X"``."""
    tree = ast.parse((REPO / "hub" / "grpc_api" / "field_checks.py").read_text(encoding="utf-8"))
    return {
        node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
        and [getattr(t, "id", None) for t in node.targets] == [node.value.value]
    }


def test_the_field_limit_codes_are_catalogued() -> None:
    codes = _field_limit_codes()
    assert codes, "hub/grpc_api/field_checks.py names no code constant any more"
    assert sorted(codes - set(CATALOGUE)) == []


def test_the_router_codes_are_the_ones_the_http_app_answers() -> None:
    assert set(_HTTP_CODES.values()) == ROUTER_CODES
    for status, code in _HTTP_CODES.items():
        assert CATALOGUE[code].kind is None
        assert CATALOGUE[code].http_status == status


def test_codes_are_upper_snake_case() -> None:
    assert [c for c in CATALOGUE if not re.fullmatch(r"[A-Z][A-Z0-9]*(_[A-Z0-9]+)*", c)] == []


# Characters written differently in the two scripts, common in these texts.
_SIMPLIFIED = "证钥签数据务请写录枢纽对账为个无销过时发开户码项类条单页须应参协议询认续"
_TRADITIONAL = "證鑰簽數據務請寫錄樞紐對賬為個無銷過時發開戶碼項類條單頁須應參協議詢認續"


def test_each_meaning_is_written_in_three_languages_in_the_right_script() -> None:
    simplified_only = set(_SIMPLIFIED) - set(_TRADITIONAL)
    traditional_only = set(_TRADITIONAL) - set(_SIMPLIFIED)
    for reason in CATALOGUE.values():
        assert reason.en and reason.zh_cn and reason.zh_hant, reason.code
        assert not simplified_only & set(reason.zh_hant), f"{reason.code}: zh-Hant"
        assert not traditional_only & set(reason.zh_cn), f"{reason.code}: zh-CN"


def test_the_catalogue_imports_the_standard_library_and_the_error_tree_only() -> None:
    # Partners' kits and the exchange client read it: it must stay light.
    program = (
        "import sys\n"
        "before = set(sys.modules)\n"
        "import hub.refusals\n"
        "loaded = set(sys.modules) - before\n"
        "print('\\n'.join(sorted(m for m in loaded\n"
        "    if m.split('.')[0] not in sys.stdlib_module_names\n"
        "    and m not in ('hub', 'hub.errors') and not m.startswith('hub.refusals'))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def _string_literals(*folders: str) -> dict[str, str]:
    """Every string constant of the sources under ``folders`` (outside the
    catalogue itself), with one place it stands."""
    found: dict[str, str] = {}
    for folder in folders:
        for path in sorted((REPO / folder).rglob("*.py")):
            relative = path.relative_to(REPO).as_posix()
            if relative.startswith(("hub/refusals/", "proto/carbonhub_contract/generated/")):
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    found.setdefault(node.value, f"{relative}:{node.lineno}")
    return found


def test_every_local_code_is_still_given_by_a_client_or_a_command() -> None:
    literals = _string_literals("hub", "adapters", "proto/carbonhub_contract", "carbonhub_tools")
    local = sorted(code for code, reason in CATALOGUE.items() if reason.local)
    assert local, "the local section is empty"
    # The audit command prints its code inside markup: a literal containing it.
    given = {c for c in local if c in literals or any(c in text for text in literals)}
    assert sorted(set(local) - given) == [], "remove these from hub/refusals/local.py"


def test_every_tls_and_port_code_of_the_clients_is_catalogued() -> None:
    # Client-side TLS and port refusals are not HubErrors, so the scan of
    # constructors cannot see them: every such literal must be catalogued.
    literals = _string_literals("hub", "adapters", "proto/carbonhub_contract", "carbonhub_tools")
    codes = {t for t in literals if re.fullmatch(r"(TLS|PORT)_[A-Z_]+", t)}
    assert codes, "no TLS_ or PORT_ code found: the clients changed, change this test"
    missing = sorted(f"{c} at {literals[c]}" for c in codes if c not in CATALOGUE)
    assert missing == []
