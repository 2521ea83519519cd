"""Methodologies as pages name them: the current id, whether it is the hub's
own interim methodology, and the former id a row was stored under.

Blocks issued before a rename keep the former id in their serial and their
row (standards/methodologies.yaml, ``formerly``). A page shows every such
row under the current id, says "formerly SZ-..." beside it, and marks an
interim methodology as the hub's own wherever a methodology is named.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from markupsafe import Markup, escape

from hub.standard import Standard


@dataclass(frozen=True, slots=True)
class MethodologyName:
    current: str  # the id it is filed under now
    interim: bool  # the hub's own interim methodology (HUB-INTERIM-...)
    former: str | None  # the former id this name was looked up by, if it is one


def methodology_names(standard: Standard) -> dict[str, MethodologyName]:
    """Every current and former methodology id of the standard."""
    names: dict[str, MethodologyName] = {}
    for m in standard.methodologies():
        names[m.id] = MethodologyName(m.id, m.interim, None)
        for former in m.formerly:
            names[former] = MethodologyName(m.id, m.interim, former)
    return names


def methodology_label(
    names: Mapping[str, MethodologyName], code: str, t: Callable[[str], str]
) -> Markup:
    """``code`` by its current id, marked interim, with the former id it was
    stored under; an unknown code as it is."""
    name = names.get(code)
    if name is None:
        return Markup(escape(code))
    parts = [Markup('<span class="methodology">{}</span>').format(name.current)]
    if name.interim:
        parts.append(Markup('<span class="interim">{}</span>').format(t("methodology.interim")))
    if name.former is not None:
        parts.append(
            Markup('<span class="formerly">{} {}</span>').format(
                t("methodology.formerly"), name.former
            )
        )
    return Markup(" ").join(parts)
