"""Content digests of a submission: what double issuance is keyed on."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from carbonhub_contract.vocabulary.records import ClaimSubmission, OriginStatus

# Any text: quotes, backslashes, commas and the key's own spelling included,
# since the digest without record id is cut out of the full canonical text.
texts = st.text(max_size=12) | st.sampled_from(['"', "\\", ',"record_id":"x"', "记录"])
optional_texts = st.none() | texts
submissions = st.builds(
    ClaimSubmission,
    partner=texts,
    delivery_id=texts,
    record_id=texts,
    partner_methodology=texts,
    period_start=texts,
    period_end=texts,
    time_zone=texts,
    activity_quantity=texts,
    activity_unit=texts,
    project_id=optional_texts,
    person_pseudonym=optional_texts,
    site_id=optional_texts,
    material=optional_texts,
    reported_tco2e=optional_texts,
    origin_status=st.sampled_from(OriginStatus),
    origin_serial=optional_texts,
)


def _plain_digest(data: dict[str, str | None]) -> str:
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@given(submissions)
def test_digests_are_those_of_the_canonical_content(submission: ClaimSubmission) -> None:
    content = submission.content()
    without_id = {k: v for k, v in content.items() if k != "record_id"}

    # In the order ingestion asks: the full digest first, then the one the
    # CONTENT lock is keyed on (derived from the first), and again alone.
    assert submission.content_digest() == _plain_digest(content)
    assert submission.digest_without_identity() == _plain_digest(without_id)
    fresh = replace(submission)
    assert fresh.digest_without_identity() == _plain_digest(without_id)


@given(submissions, texts)
def test_a_new_record_id_keeps_the_digest_without_identity(
    submission: ClaimSubmission, other_id: str
) -> None:
    renamed = replace(submission, record_id=other_id)
    submission.content_digest()
    renamed.content_digest()

    assert renamed.digest_without_identity() == submission.digest_without_identity()
    if other_id != submission.record_id:
        assert renamed.content_digest() != submission.content_digest()
