"""Identifiers of a project's owner: which schemes a partner's owners use, and their formats.

A mainland owner is named by its GB 32100 unified social credit code
(hub.domain.credit_codes, with its check character). Owners in Hong Kong and
Macao have none: they are registered by their own registries, whose numbers
carry no published check character, so only their form is checked:

* Hong Kong business registration number (商業登記號碼, BRN): 8 digits, the
  first 8 of the Business Registration Certificate number issued by the
  Inland Revenue Department's Business Registration Office; since
  2023-12-27 also the company's Unique Business Identifier at the Companies
  Registry. No letters, no separators.
* Macao registration number at the Commercial and Movable Property Registry
  (商業及動產登記局, Conservatória dos Registos Comercial e de Bens Móveis):
  1 to 6 digits, optionally followed by the register's suffix in brackets as
  Macao documents write it, e.g. ``12345 (SO)`` for a company (sociedade).

Which schemes a partner's owners may use is the agreement's data
(owner_id_schemes); an owner identifier passing none of them is refused.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import StrEnum

from hub.domain import credit_codes
from hub.domain.checks import CheckResult, fire


class OwnerIdScheme(StrEnum):
    USCC = "uscc"  # GB 32100-2015 统一社会信用代码
    HK_BR = "hk-br"  # Hong Kong business registration number
    MO_REGISTRY = "mo-registry"  # Macao commercial registry number


_HK_BR = re.compile(r"\d{8}")
_MO_REGISTRY = re.compile(r"[1-9]\d{0,5}(?: ?\([A-Z]{2,3}\))?")


def is_valid(code: str, scheme: OwnerIdScheme) -> bool:
    if scheme is OwnerIdScheme.USCC:
        return credit_codes.is_valid(code)
    if scheme is OwnerIdScheme.HK_BR:
        return _HK_BR.fullmatch(code) is not None
    return _MO_REGISTRY.fullmatch(code) is not None


def scheme_of(code: str, schemes: Sequence[OwnerIdScheme]) -> OwnerIdScheme | None:
    """The first of ``schemes`` whose format ``code`` has; None when none."""
    return next((s for s in schemes if is_valid(code, s)), None)


def owner_id_checks(code: str, schemes: Sequence[OwnerIdScheme]) -> tuple[CheckResult, ...]:
    """The refusal of an owner identifier fitting none of the partner's schemes."""
    if not code or scheme_of(code, schemes) is not None:
        return ()
    if tuple(schemes) == (OwnerIdScheme.USCC,):
        # Mainland partners: the refusal they have always had.
        return (fire("CREDIT_CODE_INVALID", field="owner_credit_code", credit_code=code),)
    return (
        fire(
            "OWNER_ID_INVALID",
            field="owner_credit_code",
            owner_id=code,
            schemes=", ".join(schemes),
        ),
    )
