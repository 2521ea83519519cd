"""Unexpected faults: one incident id for the client, the full trace in the log.

A fault the hub did not foresee (a bug, a dependency failing in a way no
refusal describes) reaches the client as INTERNAL_FAULT carrying nothing but
an incident id: never an exception class, a message that may quote SQL or a
file path, or a trace. The server logs the trace under the same id, so the
operator a partner quotes the id to finds it with one grep. Both transports
(hub.grpc_api.guard, hub.http_api.fault_barrier) report through here.
"""

from __future__ import annotations

import logging
import secrets

from hub.errors import InternalFault

# 48 random bits: unique enough among one hub's incidents, short enough to read out.
INCIDENT_BYTES = 6


def new_incident_id() -> str:
    """A fresh incident id: 12 lowercase hex digits."""
    return secrets.token_hex(INCIDENT_BYTES)


def report_fault(logger: logging.Logger, where: str, fault: BaseException) -> InternalFault:
    """Log ``fault`` with its trace under a new incident id; the refusal for the client."""
    incident = new_incident_id()
    logger.error("incident %s: unexpected fault in %s", incident, where, exc_info=fault)
    return InternalFault(incident)
