"""One log line per change of the hub's certificate authority: created,
a client certificate issued, one revoked.

``carbon-hub pki ...`` writes them on stderr (its human output stays on
stdout). A certificate is named by its serial, role, partner and name (the
partner's code, ``exchange`` or the officer's console name); the revocation
reason, free text kept in index.json, is not copied into the log.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from hub.observability.logs import event_fields

if TYPE_CHECKING:
    from hub.trust.certificate_index import IssuedCertificate

log = logging.getLogger("hub.pki")

CERTIFICATE_CHANGE = "certificate_change"


def authority_created(root: Path, *, forced: bool) -> None:
    log.info(
        "certificate authority created in %s",
        root,
        extra=event_fields(
            CERTIFICATE_CHANGE, action="authority_created", pki_dir=str(root), forced=forced
        ),
    )


def certificate_issued(certificate: IssuedCertificate) -> None:
    _changed("issued", certificate)


def certificate_revoked(certificate: IssuedCertificate) -> None:
    _changed("revoked", certificate)


def _changed(action: str, certificate: IssuedCertificate) -> None:
    log.info(
        "%s certificate %s %s",
        certificate.role.value,
        certificate.serial,
        action,
        extra=event_fields(
            CERTIFICATE_CHANGE,
            action=action,
            serial=certificate.serial,
            role=certificate.role.value,
            partner=certificate.partner or "",
            name=certificate.subject,
            not_after=certificate.not_after.isoformat(),
        ),
    )
