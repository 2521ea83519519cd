"""Who is calling: a role, and for partners the one region they act for.

The transport establishes an Identity (from the client certificate of the
hub PKI, or the development identity of ``--insecure``); the rules of what
each role may do are in hub.grpc_api.access_policy and in the services'
own-region checks. Nothing here knows about certificates.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    PARTNER = "partner"  # submits, attests and reconciles for its own region
    EXCHANGE = "exchange"  # reads qualified blocks, reports retirements
    BUREAU = "bureau"  # review and supervision operations
    HUB = "hub"  # the hub's own server certificate; never a caller
    DEVELOPMENT = "development"  # --insecure on loopback: every role, any region


@dataclass(frozen=True, slots=True)
class Identity:
    role: Role
    subject: str  # the certificate's common name: who, for the audit log
    partner: str | None = None  # the region a partner certificate names
    serial: str = ""  # the certificate serial, hex (revocation is by serial)

    def acts_for(self, partner: str) -> bool:
        """May this caller read or write the ledger of ``partner``?"""
        if self.role is Role.DEVELOPMENT:
            return True
        return self.role is Role.PARTNER and self.partner == partner

    @property
    def actor(self) -> str:
        """How the audit log names this caller."""
        if self.role is Role.PARTNER and self.partner:
            return self.partner
        if self.role is Role.BUREAU:
            return f"bureau:{self.subject}"
        return f"{self.role.value}:{self.subject}"


DEVELOPMENT_IDENTITY = Identity(role=Role.DEVELOPMENT, subject="insecure-development")
