"""A carbon-neutrality certificate as a file anyone can check offline.

The file is JSON: ``statement`` (base64 of the canonical statement bytes,
hub.domain.neutrality.certificate_statement), ``key_id`` and ``signature``
(the hub's Ed25519 signature over DSSE v1 PAE(CERTIFICATE_PAYLOAD_TYPE,
statement)), and ``certificate``, the same statement as a JSON object for a
human reader. A check verifies the signature over ``statement``, that the
readable copy says exactly what was signed, and that the content holds
together (hub.domain.neutrality.content_problems).

Whether the certificate is *still* valid (no block cancelled since) is only
known to the hub: the file says where to look (``verify_path``).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from carbonhub_contract.signing import PublicKey, Signer
from hub.domain.neutrality import Certificate, certificate_statement, content_problems

CERTIFICATE_PAYLOAD_TYPE = "application/vnd.carbonhub.certificate+json"
FORMAT = "carbonhub.certificate.v1"


def certificate_document(certificate: Certificate, signer: Signer) -> dict[str, Any]:
    statement = certificate_statement(certificate)
    return {
        "format": FORMAT,
        "key_id": signer.key_id,
        "statement": base64.b64encode(statement).decode("ascii"),
        "signature": base64.b64encode(signer.sign(CERTIFICATE_PAYLOAD_TYPE, statement)).decode(
            "ascii"
        ),
        "certificate": json.loads(statement),
    }


@dataclass(frozen=True, slots=True)
class DocumentCheck:
    code: str  # empty when the certificate holds
    message: str
    certificate: dict[str, Any]

    @property
    def valid(self) -> bool:
        return not self.code


def check_document(document: Any, hub_key: PublicKey) -> DocumentCheck:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        return DocumentCheck("CERTIFICATE_FILE_UNREADABLE", f"not a {FORMAT} file", {})
    try:
        statement = base64.b64decode(str(document["statement"]), validate=True)
        signature = base64.b64decode(str(document["signature"]), validate=True)
        key_id = str(document["key_id"])
    except (KeyError, ValueError, binascii.Error):
        return DocumentCheck(
            "CERTIFICATE_FILE_UNREADABLE",
            "statement, signature or key_id missing or not base64",
            {},
        )
    if key_id != hub_key.key_id:
        return DocumentCheck(
            "CERTIFICATE_SIGNATURE_INVALID",
            f"signed by key {key_id}, not by the hub key given ({hub_key.key_id})",
            {},
        )
    if not hub_key.verifies(CERTIFICATE_PAYLOAD_TYPE, statement, signature):
        return DocumentCheck(
            "CERTIFICATE_SIGNATURE_INVALID",
            "the signature does not cover this statement: it was changed after signing",
            {},
        )
    try:
        signed = json.loads(statement.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return DocumentCheck("CERTIFICATE_CONTENT_INVALID", "the statement is not JSON", {})
    if not isinstance(signed, dict):
        return DocumentCheck("CERTIFICATE_CONTENT_INVALID", "the statement is not an object", {})
    if document.get("certificate") != signed:
        return DocumentCheck(
            "CERTIFICATE_CONTENT_INVALID",
            "the readable copy (certificate) differs from the signed statement",
            signed,
        )
    problems = content_problems(signed)
    if problems:
        return DocumentCheck("CERTIFICATE_CONTENT_INVALID", "; ".join(problems), signed)
    return DocumentCheck("", "", signed)
