"""One person, one place at a time; a site always locks its site (issue 14).

New locks for claims already counted, so that claims decided from now on
collide with them as with the new rules' own locks:

- PERSON_TRAVEL (key: the pseudonym, stripped; range: the trip's seconds)
  for every ACCEPTED or HELD timed mobility claim (bus, metro or bike, a
  period shorter than a day);
- PROJECT_PERIOD on the site ("<partner>|site|<site id>") for every ACCEPTED
  or HELD claim for its site (basis site) without a project that named a
  person and so took no site lock before (on a recycling outlet, a shared
  site, only timed ones; a ride's station is no claimed site).

No decision changes. Where two counted claims already overlap (decided under
the old rules), the first received takes the lock and the other keeps the
locks it had: it stays as decided, and the lock it cannot take is the first
claim's anyway for the overlapping time. The mobility and shared-site
methodologies are those of standards/methodologies.yaml at this revision,
frozen here so the migration means the same whenever it runs.

Also an index on claims (person_pseudonym, period_start) for a person's
counted travel by day (hub.storage.mobility_repository).

Downgrade drops the index and the PERSON_TRAVEL locks; the site locks stay
(they only refuse what the older rules also meant to refuse).

Revision ID: 0008_person_travel
Revises: 0007_platform_pools
Create Date: 2026-12-06
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0008_person_travel"
down_revision: str | None = "0007_platform_pools"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MOBILITY = frozenset({"SZ-TRANSIT-BUS", "SZ-TRANSIT-METRO", "SZ-BIKE"})
# Claims for their site (basis site): recycling outlets, and PV without a
# project (Hong Kong's FiT and Macao's rooftop solar, basis site by their
# crosswalks; a PV claim of project basis without a project is refused).
# A ride's station is where it happened, not a claimed site.
SITE_BASIS = frozenset({"SZ-RECYCLE", "SZ-PV"})
SHARED_SITE = frozenset({"SZ-RECYCLE"})
TRIP_LONGEST = timedelta(days=1)
INDEX = "ix_claims_person_pseudonym_period_start"

_Range = tuple[int, int]


def upgrade() -> None:
    op.create_index(INDEX, "claims", ["person_pseudonym", "period_start"])
    connection = op.get_bind()
    held: dict[tuple[str, str], list[_Range]] = defaultdict(list)
    for kind, key, lo, hi in connection.execute(
        sa.text(
            "SELECT kind, key, lo, hi FROM claim_locks "
            "WHERE kind = 'PERSON_TRAVEL' OR (kind = 'PROJECT_PERIOD' AND key LIKE '%|site|%')"
        )
    ):
        held[(kind, key)].append((int(lo), int(hi)))
    rows = connection.execute(
        sa.text(
            "SELECT claim_id, partner, methodology, submission, normalised FROM claims "
            "WHERE decision IN ('ACCEPTED', 'HELD') AND normalised IS NOT NULL "
            "AND person_pseudonym IS NOT NULL ORDER BY received_at, claim_id"
        )
    ).all()
    new_locks: list[dict[str, object]] = []
    for claim_id, partner, methodology, submission_json, normalised_json in rows:
        submission = json.loads(submission_json)
        normalised = json.loads(normalised_json)
        start = datetime.fromisoformat(normalised["period_start"])
        end = datetime.fromisoformat(normalised["period_end"])
        lo, hi = int(start.timestamp()), int(end.timestamp()) - 1
        timed = end - start < TRIP_LONGEST
        person = (submission.get("person_pseudonym") or "").strip()
        site_id = submission.get("site_id")
        wanted: list[tuple[str, str]] = []
        if person and timed and methodology in MOBILITY:
            wanted.append(("PERSON_TRAVEL", person))
        if (
            site_id
            and not submission.get("project_id")
            and methodology in SITE_BASIS
            and (methodology not in SHARED_SITE or timed)
        ):
            wanted.append(("PROJECT_PERIOD", f"{partner}|site|{site_id}"))
        for kind, key in wanted:
            ranges = held[(kind, key)]
            if any(lo <= other_hi and other_lo <= hi for other_lo, other_hi in ranges):
                continue  # held already, by this claim (a site lock) or an earlier one
            ranges.append((lo, hi))
            new_locks.append({"claim_id": claim_id, "kind": kind, "key": key, "lo": lo, "hi": hi})
    if new_locks:
        locks = sa.table(
            "claim_locks",
            sa.column("claim_id", sa.String()),
            sa.column("kind", sa.String()),
            sa.column("key", sa.Text()),
            sa.column("lo", sa.BigInteger()),
            sa.column("hi", sa.BigInteger()),
        )
        new_locks.sort(key=lambda row: (str(row["kind"]), str(row["key"]), int(str(row["lo"]))))
        op.bulk_insert(locks, new_locks)


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM claim_locks WHERE kind = 'PERSON_TRAVEL'"))
    op.drop_index(INDEX, "claims")
