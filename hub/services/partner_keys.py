"""Partner signing keys: registered with the partner agreement, rotated with an
overlap window, revoked at once. Every change is a ``key`` event in the
audit log, with the officer who made it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from carbonhub_contract.vocabulary.envelopes import KeyInvalid, key_id_of
from hub.domain.signed_payloads import KeyState, PartnerKey
from hub.errors import FailedPrecondition, InvalidRequest, NotFound
from hub.services.audit_port import LedgerEvent
from hub.services.clock import Clock
from hub.services.officers import officer_actor, required_reason
from hub.services.transactions import run_in_transaction
from hub.services.unit_of_work import UnitOfWork, UnitOfWorkFactory
from hub.standard import Standard


class PartnerKeyService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        standard: Standard,
        clock: Clock,
        *,
        write_retries: int = 8,
    ) -> None:
        self._uow_factory = uow_factory
        self._standard = standard
        self._clock = clock
        self._retries = write_retries

    def register(
        self,
        partner: str,
        public_key: bytes,
        officer: str,
        *,
        valid_from: datetime | None = None,
        valid_until: datetime | None = None,
    ) -> PartnerKey:
        actor = officer_actor(officer)
        if self._standard.agreement(partner) is None:
            raise NotFound(
                "AGREEMENT_UNKNOWN",
                f"{partner} has no partner agreement in the standard: file one first",
                {"partner": partner},
            )
        try:
            key_id = key_id_of(public_key)
        except KeyInvalid as problem:
            raise InvalidRequest("KEY_INVALID", str(problem), {}) from problem

        def work(uow: UnitOfWork) -> PartnerKey:
            now = self._clock()
            start = valid_from or now
            if valid_until is not None and valid_until <= start:
                raise InvalidRequest(
                    "KEY_VALIDITY_EMPTY",
                    "valid_until must be after valid_from",
                    {"valid_from": start.isoformat(), "valid_until": valid_until.isoformat()},
                )
            existing = uow.partner_keys.get(key_id)
            if existing is not None:
                if existing.partner != partner:
                    raise FailedPrecondition(
                        "KEY_REGISTERED_FOR_ANOTHER_PARTNER",
                        f"key {key_id} is registered for {existing.partner}",
                        {"key_id": key_id, "partner": existing.partner},
                    )
                return existing  # registering the same key again changes nothing
            key = PartnerKey(
                key_id=key_id,
                partner=partner,
                public_key=public_key,
                valid_from=start,
                valid_until=valid_until,
                registered_at=now,
                registered_by=actor,
            )
            uow.partner_keys.add(key)
            uow.events.append([_event(key, "REGISTERED", actor, now)])
            return key

        return run_in_transaction(self._uow_factory, work, retries=self._retries, what="key")

    def retire(self, key_id: str, valid_until: datetime, officer: str) -> PartnerKey:
        """End a key's validity at ``valid_until``: the overlap window of a rotation."""
        actor = officer_actor(officer)

        def work(uow: UnitOfWork) -> PartnerKey:
            key = self._existing(uow, key_id)
            if key.state is KeyState.REVOKED:
                raise FailedPrecondition("KEY_REVOKED", f"key {key_id} is revoked", {})
            if valid_until <= key.valid_from:
                raise InvalidRequest(
                    "KEY_VALIDITY_EMPTY", "valid_until must be after valid_from", {}
                )
            changed = replace(key, valid_until=valid_until)
            uow.partner_keys.save(changed)
            uow.events.append([_event(changed, "RETIRING", actor, self._clock())])
            return changed

        return run_in_transaction(self._uow_factory, work, retries=self._retries, what="key")

    def revoke(self, key_id: str, reason: str, officer: str) -> PartnerKey:
        """The key verifies nothing from now on (a compromised key)."""
        actor, why = officer_actor(officer), required_reason(reason)

        def work(uow: UnitOfWork) -> PartnerKey:
            now = self._clock()
            key = self._existing(uow, key_id)
            if key.state is KeyState.REVOKED:
                raise FailedPrecondition("KEY_REVOKED", f"key {key_id} is revoked already", {})
            changed = replace(key, state=KeyState.REVOKED, revoked_at=now, reason=why)
            uow.partner_keys.save(changed)
            uow.events.append([_event(changed, "REVOKED", actor, now, reason=why)])
            return changed

        return run_in_transaction(self._uow_factory, work, retries=self._retries, what="key")

    def keys(self, partner: str | None = None) -> list[PartnerKey]:
        with self._uow_factory() as uow:
            partners = [partner] if partner else list(self._standard.partners())
            return [key for p in partners for key in uow.partner_keys.of_partner(p)]

    @staticmethod
    def _existing(uow: UnitOfWork, key_id: str) -> PartnerKey:
        key = uow.partner_keys.get(key_id)
        if key is None:
            raise NotFound("KEY_UNKNOWN", f"no signing key {key_id}", {"key_id": key_id})
        return key


def _event(key: PartnerKey, what: str, actor: str, at: datetime, **extra: str) -> LedgerEvent:
    details = {
        "partner": key.partner,
        "valid_from": key.valid_from.isoformat(),
        "valid_until": key.valid_until.isoformat() if key.valid_until else "",
        **extra,
    }
    return LedgerEvent("key", key.key_id, what, actor, at, details)
