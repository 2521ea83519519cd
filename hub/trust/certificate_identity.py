"""What a hub certificate says about its holder: the role URI, the partner code, the name.

A certificate's identity is its subject CN (who: a partner code, the
exchange's name, an officer's name) and one ``urn:carbonhub:`` URI in its
subjectAltName (what it may do): ``urn:carbonhub:partner:CN-GD``,
``urn:carbonhub:exchange``, ``urn:carbonhub:bureau``, ``urn:carbonhub:hub``.
The role travels in the SAN rather than in the CN or OU because a URI is
typed and unambiguous, and the CN stays free for a readable name. The CA
writes these (hub.trust.pki); the TLS identifier reads them (hub.trust.tls).
"""

from __future__ import annotations

import re

from hub.domain.identity import Role
from hub.errors import InvalidRequest

ROLE_URI_PREFIX = "urn:carbonhub:"
PARTNER_URI_PREFIX = ROLE_URI_PREFIX + "partner:"
# A partner is a region: an ISO 3166-2 code (CN-GD), or, for a region with no
# ISO code of its own (a paired-assistance prefecture such as Hechi), its
# 6-digit GB/T 2260 code (451200), as DESIGN §6 allows for serial origins.
PARTNER_CODE = re.compile(r"^(?:[A-Z]{2}-[A-Z0-9]{1,3}|\d{6})$", re.ASCII)
# Names become file names under issued/ as well as the CN: no separators,
# no leading dot, nothing a shell or a file system would reinterpret.
CERTIFICATE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def serial_hex(serial: int) -> str:
    """A certificate serial as the hub writes it everywhere: lowercase hex."""
    return format(serial, "x")


def validate_partner_code(code: str) -> str:
    """``code`` when it is a region code (``CN-GD``, ``HK-HK``, ``451200``); refused otherwise."""
    if not PARTNER_CODE.fullmatch(code):
        raise InvalidRequest(
            "PARTNER_CODE_INVALID",
            f"{code!r} is not a partner code: two capital letters, a dash and one to "
            "three capital letters or digits (e.g. CN-GD, HK-HK), or a 6-digit GB/T 2260 "
            "code (e.g. 451200)",
            {"partner": code},
        )
    return code


def role_uri(role: Role, partner: str | None = None) -> str:
    """The subjectAltName URI that carries ``role`` (and a partner's region)."""
    if role is Role.PARTNER:
        if partner is None:
            raise InvalidRequest("PARTNER_CODE_REQUIRED", "a partner certificate names its region")
        return PARTNER_URI_PREFIX + validate_partner_code(partner)
    if role in (Role.EXCHANGE, Role.BUREAU, Role.HUB):
        return ROLE_URI_PREFIX + role.value
    raise InvalidRequest("ROLE_NOT_ISSUABLE", f"no certificate carries the role {role.value}")


def parse_role_uri(uri: str) -> tuple[Role, str | None] | None:
    """The role (and partner) a ``urn:carbonhub:`` URI names; None for any other URI."""
    if uri.startswith(PARTNER_URI_PREFIX):
        code = uri[len(PARTNER_URI_PREFIX) :]
        return (Role.PARTNER, code) if PARTNER_CODE.fullmatch(code) else None
    if not uri.startswith(ROLE_URI_PREFIX):
        return None
    rest = uri[len(ROLE_URI_PREFIX) :]
    for role in (Role.EXCHANGE, Role.BUREAU, Role.HUB):
        if rest == role.value:
            return role, None
    return None
