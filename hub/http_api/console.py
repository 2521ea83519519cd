"""The bureau's console (/console): login, the review queue with its
evidence, and the actions, each a call of a service naming the officer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hub.domain.blocks import CANCELLABLE_STATES
from hub.domain.project_review import ProjectReviewState, ReviewAction, allowed_actions
from hub.domain.register_claims import REGISTER_COUNTERPARTS
from hub.errors import HubError, InvalidRequest, RateLimited
from hub.http_api.console_sessions import (
    FLASH_KEY,
    ConsoleSessions,
    check_csrf,
    csrf_token,
)
from hub.http_api.context import HttpServices, services
from hub.http_api.error_mapping import headers_of, status_of
from hub.http_api.i18n import catalogue, requested_language
from hub.http_api.partner_names import resolve_partner
from hub.http_api.templating import refusal_meaning, render
from hub.services.disclosure import BlockEntry, DisclosureFilter
from hub.services.officers_auth import Officer

router = APIRouter(prefix="/console", include_in_schema=False)
Services = Annotated[HttpServices, Depends(services)]
Text = Annotated[str, Form(max_length=2000)]
Id = Annotated[str, Form(max_length=500)]
# What the bureau may cancel (hub.services.bureau): a live block, or a retired
# one whose units proved not real (its retirement and certificate then fall).
PICKER_SIZE = 100


class LoginRequired(Exception):
    """No live console session: the browser is sent to the login page."""

    def __init__(self, back_to: str) -> None:
        super().__init__(back_to)
        self.back_to = back_to


def _sessions(request: Request) -> ConsoleSessions:
    found: ConsoleSessions = request.app.state.console_sessions
    return found


def logged_in(request: Request, hub: Services) -> Officer:
    username = _sessions(request).username(request.session)
    officer = hub.officers.officer(username) if username is not None else None
    if officer is None:
        target = request.url.path
        if request.method == "GET" and request.url.query:
            target += "?" + request.url.query
        raise LoginRequired(target)
    return officer


async def acting(request: Request, officer: Annotated[Officer, Depends(logged_in)]) -> Officer:
    """A POST by a logged-in officer whose form carries the session's CSRF token."""
    form = await request.form()
    submitted = form.get("csrf_token")
    check_csrf(request.session, submitted if isinstance(submitted, str) else "")
    return officer


Viewer = Annotated[Officer, Depends(logged_in)]
Actor = Annotated[Officer, Depends(acting)]


def actor_name(officer: Officer) -> str:
    """What the ledger records after "bureau:": the name and the unique username."""
    return f"{officer.name} ({officer.username})"


def _page(
    request: Request, template: str, officer: Officer | None, context: dict[str, Any], **kw: Any
) -> HTMLResponse:
    flash = request.session.pop(FLASH_KEY, None)
    return render(
        request,
        template,
        {"officer": officer, "csrf_token": csrf_token(request.session), "flash": flash, **context},
        **kw,
    )


def _safe_next(target: str) -> str:
    # Only a console path of this site: never an open redirect.
    if target.startswith("/console") and not target.startswith("//") and "\\" not in target:
        return target
    return "/console"


@router.get("/login", response_class=HTMLResponse)
def login_page(
    request: Request, next: Annotated[str, Query(max_length=500)] = "/console"
) -> Response:
    return _page(
        request,
        "console_login.html",
        None,
        {"next": _safe_next(next), "error_code": None, "username": ""},
    )


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    hub: Services,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    csrf_token_field: Annotated[str, Form(alias="csrf_token", max_length=200)] = "",
    next: Annotated[str, Form(max_length=500)] = "/console",
) -> Response:
    check_csrf(request.session, csrf_token_field)
    try:
        officer = hub.officers.authenticate(username, password)
    except HubError as refused:
        headers = headers_of(refused) if isinstance(refused, RateLimited) else None
        return _page(
            request,
            "console_login.html",
            None,
            {"next": _safe_next(next), "error_code": refused.code, "username": username},
            status_code=status_of(refused),
            headers=headers,
        )
    _sessions(request).login(request.session, officer.username)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, officer: Actor) -> Response:
    _sessions(request).logout(request.session)
    return RedirectResponse("/console/login", status_code=303)


@router.get("", response_class=HTMLResponse)
def queue(
    request: Request,
    hub: Services,
    officer: Viewer,
    claims: Annotated[str | None, Query(max_length=2000)] = None,
    projects: Annotated[str | None, Query(max_length=2000)] = None,
) -> Response:
    return _page(
        request,
        "console_queue.html",
        officer,
        {
            "claims": hub.review_queue.held_claims(claims),
            "projects": hub.review_queue.projects_awaiting(projects),
        },
    )


@router.get("/claim", response_class=HTMLResponse)
def claim_page(
    request: Request,
    hub: Services,
    officer: Viewer,
    partner: Annotated[str, Query(max_length=64)],
    record: Annotated[str, Query(max_length=200)],
) -> Response:
    evidence = hub.review_queue.claim(partner, record)
    return _page(request, "console_claim.html", officer, {"evidence": evidence})


@router.get("/project", response_class=HTMLResponse)
def project_page(
    request: Request,
    hub: Services,
    officer: Viewer,
    partner: Annotated[str, Query(max_length=64)],
    project: Annotated[str, Query(max_length=200)],
) -> Response:
    evidence = hub.review_queue.project(partner, project)
    try:
        actions = [
            str(a) for a in allowed_actions(ProjectReviewState(evidence.project.review_state))
        ]
    except ValueError:
        actions = []
    return _page(
        request, "console_project.html", officer, {"evidence": evidence, "actions": actions}
    )


@router.get("/blocks", response_class=HTMLResponse)
def blocks_page(request: Request, hub: Services, officer: Viewer) -> Response:
    """The block picker: the blocks a cancellation can still reach, newest first."""
    partner = resolve_partner(request.query_params.get("partner"), hub.partners)
    found: list[BlockEntry] = []
    for state in sorted(CANCELLABLE_STATES):
        where = DisclosureFilter(partner=partner, state=str(state), newest_first=True)
        found += hub.disclosure.blocks(where, None, PICKER_SIZE).items
    found.sort(key=lambda b: (b.issued_at, b.block_id), reverse=True)
    return _page(
        request,
        "console_blocks.html",
        officer,
        {"cancellable": found[:PICKER_SIZE], "partner": partner or ""},
    )


@router.get("/blocks/confirm", response_class=HTMLResponse)
def confirm_cancellation(
    request: Request,
    hub: Services,
    officer: Viewer,
    serial: Annotated[str, Query(max_length=500)] = "",
) -> Response:
    """Cancelling is terminal: the officer sees the block and confirms first."""
    lineage = hub.disclosure.lineage(serial)
    cancellable = lineage.block.entry.state in {str(s) for s in CANCELLABLE_STATES}
    return _page(
        request,
        "console_cancel_confirm.html",
        officer,
        {"lineage": lineage, "cancellable": cancellable},
    )


@router.get("/reconciliations", response_class=HTMLResponse)
def reconciliations_page(request: Request, hub: Services, officer: Viewer) -> Response:
    latest = [(c, hub.reconciliations.latest(c)) for c in hub.counterparts]
    # A register list loaded late reports the issued claims it covers under
    # its own counterpart (hub.services.register_reexamination): shown once
    # there is such a reconciliation, with its frozen blocks to resolve.
    for counterpart in REGISTER_COUNTERPARTS:
        reported = hub.reconciliations.latest(counterpart)
        if reported is not None:
            latest.append((counterpart, reported))
    return _page(request, "console_reconciliations.html", officer, {"reconciliations": latest})


def _act(request: Request, back_to: str, done: str, action: Callable[[], object]) -> Response:
    """Run one service call; success or refusal is shown on the page it came from."""
    language, _ = requested_language(request)
    try:
        action()
    except HubError as refused:
        if refused.code == "CSRF_TOKEN_INVALID":
            raise
        # The officer reads the refusal in the console's language (the
        # catalogue's text); the English message is the fallback.
        request.session[FLASH_KEY] = {
            "kind": "error",
            "code": refused.code,
            "text": refusal_meaning(refused.code, language) or refused.message,
        }
    else:
        request.session[FLASH_KEY] = {
            "kind": "ok",
            "code": "OK",
            "text": catalogue(language)[f"flash.{done}"],
        }
    return RedirectResponse(back_to, status_code=303)


def _claim_url(partner: str, record: str) -> str:
    return "/console/claim?" + urlencode({"partner": partner, "record": record})


def _project_url(partner: str, project: str) -> str:
    return "/console/project?" + urlencode({"partner": partner, "project": project})


@router.post("/claim/approve")
def approve_claim(
    request: Request, hub: Services, officer: Actor, partner: Id, record: Id, comment: Text = ""
) -> Response:
    return _act(
        request,
        _claim_url(partner, record),
        "claim_approved",
        lambda: hub.review.approve_claim(
            partner, record, officer=actor_name(officer), comment=comment
        ),
    )


@router.post("/claim/reject")
def reject_claim(
    request: Request, hub: Services, officer: Actor, partner: Id, record: Id, comment: Text = ""
) -> Response:
    return _act(
        request,
        _claim_url(partner, record),
        "claim_rejected",
        lambda: hub.review.reject_claim(
            partner, record, officer=actor_name(officer), comment=comment
        ),
    )


@router.post("/project/{action}")
def project_action(
    request: Request,
    hub: Services,
    officer: Actor,
    action: ReviewAction,
    partner: Id,
    project: Id,
    comment: Text = "",
) -> Response:
    name = actor_name(officer)
    calls: dict[ReviewAction, Callable[[], object]] = {
        ReviewAction.OPEN_REVIEW: lambda: hub.review.open_project_review(
            partner, project, officer=name
        ),
        ReviewAction.APPROVE: lambda: hub.review.approve_project(
            partner, project, officer=name, comment=comment
        ),
        ReviewAction.REJECT: lambda: hub.review.reject_project(
            partner, project, officer=name, comment=comment
        ),
        ReviewAction.SUSPEND: lambda: hub.bureau.suspend_project(partner, project, comment, name),
        ReviewAction.RESUME: lambda: hub.bureau.resume_project(partner, project, comment, name),
    }
    done = f"project_{action.name.lower()}"
    return _act(request, _project_url(partner, project), done, calls[action])


@router.post("/blocks/cancel")
def cancel_block(
    request: Request,
    hub: Services,
    officer: Actor,
    block: Id,
    reason: Text = "",
    confirm: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    def cancel() -> object:
        # The confirmation step is enforced here, not only by the form: a
        # terminal act is never taken on a post that skipped it.
        if confirm != "yes":
            raise InvalidRequest(
                "CANCELLATION_NOT_CONFIRMED",
                "cancelling a block is final: confirm it on the confirmation page",
                {"block": block[:200]},
            )
        return hub.bureau.cancel_block(block.strip(), reason, actor_name(officer))

    return _act(request, "/console/blocks", "block_cancelled", cancel)


@router.post("/discrepancies/resolve")
def resolve_discrepancy(
    request: Request, hub: Services, officer: Actor, discrepancy: Id, resolution: Text = ""
) -> Response:
    return _act(
        request,
        "/console/reconciliations",
        "discrepancy_resolved",
        lambda: hub.reconciliations.resolve(discrepancy, resolution, actor_name(officer)),
    )
