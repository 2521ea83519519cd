"""index.json: every certificate the CA issued, its revocation, and which one a name means.

The CA (hub.trust.pki) reads and rewrites the index under the PKI
directory's lock; the CRL is derived from it. Paths in the file are
relative to the PKI directory, so the directory may be moved or mounted
elsewhere.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from carbonhub_contract.key_files import write_atomic
from hub.domain.identity import Role
from hub.errors import InvalidRequest, NotFound
from hub.trust.pki_layout import PkiLayout, not_initialised

INDEX_FORMAT = 1


@dataclass(frozen=True, slots=True)
class IssuedCertificate:
    """One certificate the CA signed, as index.json records it."""

    serial: str  # lowercase hex, as Identity.serial carries it
    role: Role
    partner: str | None
    subject: str
    certificate_path: Path
    key_path: Path
    not_before: datetime
    not_after: datetime
    revoked_at: datetime | None = None
    reason: str | None = None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def to_json(self, root: Path) -> dict[str, Any]:
        """The index entry, with paths relative to the PKI directory ``root``."""
        return {
            "serial": self.serial,
            "role": self.role.value,
            "partner": self.partner,
            "subject": self.subject,
            # Relative paths: the PKI directory may be moved or mounted elsewhere.
            "certificate_path": self.certificate_path.relative_to(root).as_posix(),
            "key_path": self.key_path.relative_to(root).as_posix(),
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "reason": self.reason,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], root: Path) -> IssuedCertificate:
        """The certificate an index entry records, its paths under ``root``."""
        revoked_at = data.get("revoked_at")
        return cls(
            serial=str(data["serial"]),
            role=Role(data["role"]),
            partner=data.get("partner"),
            subject=str(data["subject"]),
            certificate_path=root / str(data["certificate_path"]),
            key_path=root / str(data["key_path"]),
            not_before=datetime.fromisoformat(str(data["not_before"])),
            not_after=datetime.fromisoformat(str(data["not_after"])),
            revoked_at=datetime.fromisoformat(str(revoked_at)) if revoked_at else None,
            reason=data.get("reason"),
        )


@dataclass(slots=True)
class CertificateIndex:
    """The whole of index.json: the CRL's number and every certificate, in issue order."""

    crl_number: int
    certificates: list[IssuedCertificate]


def read_index(layout: PkiLayout) -> CertificateIndex:
    """The index of the PKI directory; PKI_NOT_INITIALISED when it has none."""
    try:
        document = json.loads(layout.index.read_text(encoding="utf-8"))
    except FileNotFoundError as missing:
        raise not_initialised(layout.root) from missing
    root = layout.root
    return CertificateIndex(
        crl_number=int(document["crl_number"]),
        certificates=[IssuedCertificate.from_json(c, root) for c in document["certificates"]],
    )


def write_index(layout: PkiLayout, index: CertificateIndex) -> None:
    """Rewrite index.json atomically."""
    root = layout.root
    document = {
        "format": INDEX_FORMAT,
        "crl_number": index.crl_number,
        "certificates": [c.to_json(root) for c in index.certificates],
    }
    write_atomic(
        layout.index,
        (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8"),
    )


def _as_serial(text: str) -> int | None:
    cleaned = text.strip().lower().replace(":", "")
    if cleaned.startswith("0x"):
        cleaned = cleaned[2:]
    if not cleaned or any(ch not in "0123456789abcdef" for ch in cleaned):
        return None
    return int(cleaned, 16)


def select_live(certificates: list[IssuedCertificate], serial_or_name: str) -> IssuedCertificate:
    """The one live certificate a serial or name designates; a serial wins over a name."""
    serial = _as_serial(serial_or_name)
    by_serial = [c for c in certificates if serial is not None and int(c.serial, 16) == serial]
    candidates = by_serial or [c for c in certificates if c.subject == serial_or_name.strip()]
    if not candidates:
        raise NotFound(
            "CERTIFICATE_UNKNOWN",
            f"the CA issued no certificate with serial or name {serial_or_name!r}",
            {"certificate": serial_or_name},
        )
    live = [c for c in candidates if not c.revoked]
    if not live:
        last = candidates[-1]
        raise InvalidRequest(
            "CERTIFICATE_ALREADY_REVOKED",
            f"{last.subject} ({last.serial}) is already revoked",
            {
                "serial": last.serial,
                "revoked_at": str(last.revoked_at),
                "reason": last.reason or "",
            },
        )
    if len(live) > 1:
        raise InvalidRequest(
            "CERTIFICATE_AMBIGUOUS",
            f"{serial_or_name!r} names {len(live)} live certificates; revoke one by serial",
            {"serials": ",".join(c.serial for c in live)},
        )
    return live[0]
