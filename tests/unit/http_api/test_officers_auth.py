"""Officer accounts: Argon2id hashes, coded refusals, throttling by username."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub.errors import FailedPrecondition, InvalidRequest, RateLimited, Unauthenticated

from .conftest import OFFICER_NAME, PASSWORD, USERNAME, Fakes


def test_the_password_is_kept_as_an_argon2id_hash_and_the_addition_audited(
    fakes: Fakes,
) -> None:
    stored = fakes.officers.officers[USERNAME]
    assert stored.password_hash.startswith("$argon2id$")
    assert PASSWORD not in stored.password_hash
    (event,) = fakes.officers.events
    assert (event.subject_kind, event.subject_id, event.event) == ("officer", USERNAME, "ADDED")
    assert event.details["actor"] == f"bureau:{OFFICER_NAME}"


def test_bad_accounts_are_refused_with_codes(fakes: Fakes) -> None:
    with pytest.raises(InvalidRequest) as short:
        fakes.auth.add_officer("li", "李处长", "short", added_by="test")
    assert short.value.code == "PASSWORD_TOO_SHORT"
    with pytest.raises(InvalidRequest) as name:
        fakes.auth.add_officer("Li Wei", "李处长", PASSWORD, added_by="test")
    assert name.value.code == "USERNAME_INVALID"
    with pytest.raises(FailedPrecondition) as taken:
        fakes.auth.add_officer(USERNAME, "另一人", PASSWORD, added_by="test")
    assert taken.value.code == "OFFICER_EXISTS"


def test_an_unknown_user_and_a_wrong_password_fail_alike(fakes: Fakes) -> None:
    for username, password in (("nobody", PASSWORD), (USERNAME, "wrong password")):
        with pytest.raises(Unauthenticated) as failed:
            fakes.auth.authenticate(username, password)
        assert failed.value.code == "LOGIN_FAILED"
    assert fakes.auth.authenticate(USERNAME, PASSWORD).name == OFFICER_NAME


def test_failures_throttle_the_username_until_the_window_passes(fakes: Fakes) -> None:
    for _ in range(3):
        with pytest.raises(Unauthenticated):
            fakes.auth.authenticate(USERNAME, "wrong password")
    with pytest.raises(RateLimited) as throttled:
        fakes.auth.authenticate(USERNAME, PASSWORD)
    assert throttled.value.code == "LOGIN_THROTTLED" and throttled.value.retry_after >= 1
    # Another username is not affected.
    with pytest.raises(Unauthenticated):
        fakes.auth.authenticate("other", "wrong password")
    fakes.clock.now += timedelta(seconds=61)
    assert fakes.auth.authenticate(USERNAME, PASSWORD).username == USERNAME
