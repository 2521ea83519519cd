"""Certificates for the public: one with its validity now, and the list.

A certificate is valid while every block it lists is still RETIRED
(hub.domain.neutrality.validity); the signed file is made when asked for,
with the hub key of this process (Ed25519 signs deterministically: the same
key gives the same file every time).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hub.domain.neutrality import Certificate, Validity, is_certificate_id, validity
from hub.errors import InvalidRequest, NotFound
from hub.services.certificate_port import CertificateQueries

MAX_PAGE = 200


@dataclass(frozen=True, slots=True)
class CertificateStanding:
    certificate: Certificate
    validity: Validity


@dataclass(frozen=True, slots=True)
class CertificatePage:
    items: list[CertificateStanding]
    next_cursor: str | None


def _checked_id(certificate_id: str, field: str = "certificate_id") -> str:
    wanted = certificate_id.strip().upper()
    if not is_certificate_id(wanted):
        # The routes' own pattern refuses these first, with the same code.
        raise InvalidRequest(
            "REQUEST_INVALID",
            "a certificate id is SZCN- and ten letters or digits",
            {"field": field},
        )
    return wanted


class CertificateService:
    def __init__(
        self,
        queries: CertificateQueries,
        document: Callable[[Certificate], dict[str, Any]],
    ) -> None:
        self._queries = queries
        self._document = document

    def standing(self, certificate_id: str) -> CertificateStanding:
        wanted = _checked_id(certificate_id)
        certificate = self._queries.certificate(wanted)
        if certificate is None:
            raise NotFound(
                "CERTIFICATE_NOT_FOUND",
                f"no certificate {wanted}",
                {"certificate_id": wanted},
            )
        return self._standing(certificate)

    def _standing(self, certificate: Certificate) -> CertificateStanding:
        standings = self._queries.standings([r.serial for r in certificate.retirements])
        states = {serial: (s.state, s.reason) for serial, s in standings.items()}
        return CertificateStanding(certificate, validity(certificate, states))

    def document(self, certificate_id: str) -> dict[str, Any]:
        """The signed file of a certificate (hub.trust.certificate_documents)."""
        return self._document(self.standing(certificate_id).certificate)

    def page(self, cursor: str | None, limit: int) -> CertificatePage:
        after = None if cursor is None else _checked_id(cursor, "cursor")
        size = max(1, min(limit, MAX_PAGE))
        found = self._queries.certificates(after, size + 1)
        items = [self._standing(c) for c in found[:size]]
        more = len(found) > size
        return CertificatePage(items, items[-1].certificate.certificate_id if more else None)
