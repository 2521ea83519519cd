"""``carbon-hub-adapter conformance``: the partner's side of the contract,
tried against a hub's sandbox (`carbon-hub serve --sandbox`), as a
PASS/FAIL table (or one JSON document with ``--json``).

A partner passes it before the bureau registers its production key. The
steps are in adapters/conformance_steps.py; their names are stable.

Exit codes: 0 every step passed; 1 a step failed (the table names it and
the code seen); 2 the invocation or its files cannot work (a TLS file, the
signing key or the hub key: one coded line); 3 the hub was not reachable.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from adapters.cli_access import (
    EXIT_HUB,
    EXIT_INCONSISTENT,
    CommandStopped,
    HubAccess,
    hub_access,
    hub_channel,
    key_file,
)
from adapters.cli_options import (
    CaOption,
    CertOption,
    HubOption,
    InsecureOption,
    JsonOption,
    KeyOption,
    SigningKeyOption,
    TimeoutOption,
)
from adapters.conformance_steps import FAIL, STEPS, Run, StepResult, not_run, run_steps
from adapters.partner_signing import PartnerSigner
from adapters.report import emit_table, say
from adapters.report_json import dump
from carbonhub_contract.signing import PublicKey, Signer

SCHEMA = "carbon-hub-adapter/conformance-report"
VERSION = 1
# hub/serving/sandbox.py names it; the partner kit does not import the hub's server.
SANDBOX_PARTNER = "ZZ-SBX"

RequiredHubKey = Annotated[
    Path,
    typer.Option(
        "--hub-key",
        help="the sandbox's hub-signing.pub: every receipt must verify under it",
        exists=True,
        dir_okay=False,
    ),
]
PartnerOption = Annotated[
    str,
    typer.Option("--partner", help="the sandbox partner the certificate names"),
]


def conformance_command(
    hub: HubOption,
    signing_key: SigningKeyOption,
    hub_key: RequiredHubKey,
    ca: CaOption = None,
    cert: CertOption = None,
    key: KeyOption = None,
    insecure: InsecureOption = False,
    partner: PartnerOption = SANDBOX_PARTNER,
    connect_timeout: TimeoutOption = 10.0,
    as_json: JsonOption = False,
) -> None:
    """Prove the partner's side of the contract against a sandbox hub: a PASS/FAIL
    row per step (mutual TLS and identity, signing, sequences and catch-up,
    receipts, resubmissions, a refused envelope, an attestation, a reconciliation)."""
    document: dict[str, Any] = {
        "schema": SCHEMA,
        "version": VERSION,
        "hub": hub,
        "partner": partner,
        "key_id": None,
        "passed": False,
        "steps": [],
        "exit_code": 0,
        "error": None,
    }
    console = Console(stderr=as_json)
    try:
        access = hub_access(hub, ca, cert, key, insecure, signing_key)
        public = key_file("--hub-key", hub_key, PublicKey.from_file)
        signing = key_file("--signing-key", signing_key, Signer.from_file)
        document["key_id"] = signing.key_id
        results = _run(access, partner, signing, public, connect_timeout)
    except CommandStopped as stop:
        stop.print(console if not as_json else Console(stderr=True))
        document.update(
            exit_code=stop.exit_code, error={"code": stop.code, "message": stop.message}
        )
        if as_json:
            print(dump(document), flush=True)
        raise typer.Exit(stop.exit_code) from None
    failed = [r for r in results if r.result == FAIL]
    document["steps"] = [
        {"name": r.name, "result": r.result, "code": r.code, "detail": r.detail} for r in results
    ]
    document["passed"] = not failed
    document["exit_code"] = EXIT_INCONSISTENT if failed else 0
    if as_json:
        print(dump(document), flush=True)
    else:
        emit_table(
            console,
            f"Conformance of {partner} against {hub} (key {signing.key_id})",
            ("step", "result", "code", "detail"),
            ((r.name, r.result, r.code or "", r.detail) for r in results),
        )
        verdict = (
            f"FAIL: {len(failed)} of {len(results)} steps failed"
            if failed
            else f"PASS: all {len(results)} steps passed"
        )
        say(console, verdict, "red" if failed else "green")
    raise typer.Exit(document["exit_code"])


def _run(
    access: HubAccess, partner: str, signing: Signer, hub_key: PublicKey, timeout: float
) -> list[StepResult]:
    try:
        with hub_channel(access, timeout) as channel:
            run = Run(channel, signing, PartnerSigner(partner, signing), hub_key)
            return list(run_steps(run))
    except CommandStopped as stop:
        if stop.exit_code == EXIT_HUB or stop.code != "TLS_HANDSHAKE_FAILED":
            raise
        # A handshake either side refused is the first step failing, not a
        # broken invocation: the table says so.
        first = StepResult(STEPS[0].__name__, FAIL, stop.code, stop.message)
        return [first, *not_run(STEPS[1:], "needs mtls_identity")]
