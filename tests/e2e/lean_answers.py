"""What a ledger answers about its claims: GetClaimStatus, the console's
evidence page, the public disclosure. Run by tests/e2e/test_lean_migration.py
as a script, with PYTHONPATH at the tree before migration 0018 or at this one,
on the same ledger: the answers must be the same bytes.

    python lean_answers.py DATA_DIR OUT.json [--add-officer]
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import text

from hub.bootstrap import build_hub
from hub.grpc_api import conversion
from hub.http_api.app import create_app
from hub.settings import HubSettings

OFFICER = ("lean", "核对员", "correct horse battery staple")
CONSOLE_PAGES = 150  # evidence pages per ledger (HELD claims first, then by record id)
DISCLOSURE = (
    "/api/v1/summary",
    "/api/v1/totals",
    "/api/v1/projects",
    "/api/v1/blocks",
    "/api/v1/retirements",
    "/api/v1/pools",
    "/api/v1/registers",
)
# A page's per-session form token: the only part that differs by design.
_CSRF = re.compile(r'name="csrf_token" value="[^"]+"')


def _log_in(client: TestClient) -> None:
    page = client.get("/console/login").text
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    if found is None:
        raise SystemExit("no login form")
    answer = client.post(
        "/console/login",
        data={"username": OFFICER[0], "password": OFFICER[2], "csrf_token": found.group(1)},
    )
    if answer.status_code != 303:
        raise SystemExit(f"login answered {answer.status_code}")


def main(data_dir: Path, out: Path, add_officer: bool) -> None:
    settings = HubSettings(
        data_dir=data_dir,
        pki_dir=data_dir / "pki",
        session_secret=SecretStr("k" * 48),
    )
    hub = build_hub(settings, existing=True)
    try:
        if add_officer:
            hub.officers.add_officer(*OFFICER, added_by="lean-migration-test")
        with hub.engine.connect() as connection:
            claims = connection.execute(
                text("SELECT partner, record_id, decision FROM claims ORDER BY partner, record_id")
            ).all()
        answers: dict[str, str] = {}
        for partner, record_id, _ in claims:
            status = hub.ingestion.status(partner, record_id)
            if status is None:
                raise SystemExit(f"no status for {partner}/{record_id}")
            verdict = conversion.claim_status_to_proto(status)
            answers[f"status {partner} {record_id}"] = verdict.SerializeToString(
                deterministic=True
            ).hex()
        shown = sorted(claims, key=lambda c: (c[2] != "HELD", c[0], c[1]))[:CONSOLE_PAGES]
        with TestClient(create_app(hub, settings), follow_redirects=False) as client:
            _log_in(client)
            for partner, record_id, _ in shown:
                page = client.get(
                    "/console/claim", params={"partner": partner, "record": record_id}
                )
                answers[f"console {partner} {record_id}"] = f"{page.status_code} " + _CSRF.sub(
                    "csrf", page.text
                )
            for path in DISCLOSURE:
                page = client.get(path)
                answers[f"disclosure {path}"] = f"{page.status_code} {page.text}"
        out.write_text(json.dumps(answers, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    finally:
        hub.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), "--add-officer" in sys.argv[3:])
