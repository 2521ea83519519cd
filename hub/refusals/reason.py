"""One refusal reason: its stable code, its kind and what it means.

The catalogue is part of the contract: partners' kits and the exchange
client read it too, so it imports the standard library and hub.errors only.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.errors import ErrorKind


@dataclass(frozen=True, slots=True)
class Reason:
    """``code`` travels as google.rpc.ErrorInfo.reason (gRPC) and as the body's
    ``code`` (HTTP); ``kind`` fixes the status each transport answers with.

    The HTTP router's own refusals (an unknown path, a wrong method) come from
    the web framework, not from a HubError: they have no kind and give their
    ``http_status`` alone. A ``local`` reason is given by a client or a command
    on its own machine (a TLS file that cannot work, a taken port): it never
    crosses the wire, so it has neither kind nor HTTP status.
    """

    code: str
    kind: ErrorKind | None
    where: str
    en: str
    zh_cn: str
    zh_hant: str
    http_status: int | None = None
    local: bool = False

    def __post_init__(self) -> None:
        if self.local:
            if self.kind is not None or self.http_status is not None:
                raise ValueError(f"{self.code}: a local reason has no kind and no HTTP status")
        elif (self.kind is None) == (self.http_status is None):
            raise ValueError(f"{self.code}: give a kind or, for router refusals, an HTTP status")


@dataclass(frozen=True, slots=True)
class Section:
    """Reasons that share where they arise, for the document's headings."""

    title: str
    intro: str
    reasons: tuple[Reason, ...]
