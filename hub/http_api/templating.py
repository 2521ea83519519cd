"""Rendering of the pages: Jinja2 templates (templates/), the message
catalogue of the page's language, the language cookie.

Stable markup for browser tests (do not rename without updating them):

Every page
    ``#lang-zh`` / ``#lang-hant`` / ``#lang-en`` links (the page's own query
    with ?lang=zh-CN / ?lang=zh-Hant / ?lang=en, so a filtered list or a claim
    stays on screen); ``html[lang]``; ``form#serial-search`` (input
    ``serial``, ``button#serial-search-submit``: GET /search);
    ``#nav-home``, ``#nav-projects``, ``#nav-blocks``, ``#nav-retirements``,
    ``#nav-console``; ``#flash`` (a message after a console action, with
    ``data-code``); ``#error-code`` and ``#error-message`` on an error page.
Public pages
    ``/``: ``#total-issued``, ``#total-retired``, ``#total-cancelled``,
    ``#total-outstanding`` (whole tCO2e, digits only in ``data-value``);
    ``svg#chart-monthly`` with ``rect.bar-issued`` / ``rect.bar-retired``
    (``data-month``, ``data-value``); tables ``#totals-partner``,
    ``#totals-methodology``, ``#totals-vintage``.
    ``/projects``, ``/blocks``, ``/retirements``: ``form#filter-form`` with
    inputs named ``partner``, ``methodology``, ``vintage``, ``state``,
    ``since``, ``until`` (those the list takes), ``button#filter-submit``;
    ``table#projects-table`` / ``#blocks-table`` / ``#retirements-table``,
    one ``tr`` per item with ``data-id`` (project: ``PARTNER|ID``; block id;
    retirement id); ``a#next-page`` when there is a next page;
    ``a#csv-export``; ``#list-count`` (``data-value``: every row the filter
    keeps); every list: ``select[name=sort]`` (newest, oldest);
    a block's serial links to its page (``a.serial-link``).
    ``/``: also ``svg#chart-partner`` and ``svg#chart-methodology``
    (``rect.bar-issued`` / ``rect.bar-retired`` with ``data-key``, ``data-value``).
    ``/blocks/{serial}``: ``#block-serial``, ``#block-state`` (``data-state``),
    ``#block-adjustment`` (``data-status``), ``ol#lineage`` with one
    ``li.step[data-step]`` per step (record, source-cancellation, issued,
    split, delivered, retired, cancelled, adjustment), ``table#block-family``
    (``tr[data-serial]``), ``table#block-audit`` (``tr[data-seq]``).
    ``/search?serial=``: ``table#search-results`` (``tr[data-serial]``).
Console (/console)
    login: ``form#login-form``, inputs ``username``, ``password``,
    ``button#login-submit``. Every form has a hidden ``csrf_token``.
    ``form#logout-form``; ``#officer-name``.
    ``/console``: ``table#held-claims`` (``tr[data-id="PARTNER|RECORD"]``,
    link ``a.claim-link``), ``table#awaiting-projects``
    (``tr[data-id="PARTNER|PROJECT"]``, link ``a.project-link``).
    ``/console/claim?partner=&record=``: ``#claim-decision``, ``table#claim-checks``
    (``tr[data-code]``), ``#claim-trace``, ``table#claim-raw``;
    ``form#approve-claim-form`` / ``form#reject-claim-form``, each with
    ``textarea[name=comment]`` and ``button[type=submit]``.
    ``/console/project?partner=&project=``: ``#project-review-state``,
    ``table#project-same-asset`` (other registrations of the same asset),
    ``table#project-events``; one ``form#project-<action>-form`` per allowed
    action (open-review, approve, reject, suspend, resume) with
    ``textarea[name=comment]``.
    ``/console/blocks``: ``form#cancel-block-form`` (``block``, ``reason``).
    ``/console/reconciliations``: ``section.reconciliation[data-counterpart]``,
    ``table.discrepancies`` rows ``tr[data-id]``, ``form.resolve-form``
    (``resolution``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from hub.http_api.i18n import catalogue, keep_language, requested_language
from hub.http_api.methodology_names import methodology_label
from hub.http_api.partner_names import region_of
from hub.refusals import CATALOGUE

_TEMPLATES = Path(__file__).parent / "templates"

environment = Environment(
    loader=FileSystemLoader(_TEMPLATES),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _units(value: int) -> str:
    return f"{value:,}"


def _serial(value: str) -> Markup:
    """A serial that breaks only after a hyphen: each part whole (a partner
    code, a year, a unit number), the text copied as it is (``<wbr>`` adds none)."""
    return Markup("-<wbr>").join(escape(part) for part in value.split("-"))


def _when(value: datetime | None) -> str:
    return "" if value is None else value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


environment.filters["units"] = _units
environment.filters["serial"] = _serial
environment.filters["when"] = _when


def refusal_meaning(code: str, language: str) -> str:
    """What a refusal code means, from the catalogue, in the page's language
    (the error's own message is English, written for logs and clients)."""
    reason = CATALOGUE.get(code)
    if reason is None:
        return ""
    return {"en": reason.en, "zh-Hant": reason.zh_hant}.get(language, reason.zh_cn)


def language_link(request: Request, language: str) -> str:
    """This page in ``language``: its query kept, ``lang`` replaced."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return "?" + urlencode([*kept, ("lang", language)])


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    language, asked = requested_language(request)
    messages = catalogue(language)
    services = request.app.state.services
    secure = bool(services.settings.session_cookie_secure)
    names = services.partner_names
    body = environment.get_template(template).render(
        request=request,
        lang=language,
        t=messages.__getitem__,
        path=request.url.path,
        language_link=lambda language: language_link(request, language),
        region=lambda code: region_of(names, code, language),
        registry=lambda code: names[code].registry(language) if code in names else code,
        methodology=lambda code: methodology_label(
            services.methodology_names, code, messages.__getitem__
        ),
        meaning=lambda code: refusal_meaning(code, language),
        partners=services.partners,
        known=messages.__contains__,
        **context,
    )
    response = HTMLResponse(body, status_code=status_code, headers=headers)
    if asked:
        keep_language(response, language, secure=secure)
    return response
