"""Daily totals kept as rows, so ingestion reads them by key (issue 14).

Two new tables, filled from what the ledger holds:

- points_daily (hub.storage.points_tables): per partner, person, Shenzhen
  methodology and day, the points awarded; the sum of the AWARD entries of
  that key, which is what the daily cap was always checked against.
- person_travel_days (hub.storage.travel_tables): one row per mobility
  claim of a person (any decision; whether it counts is read from the
  claim) and Shenzhen day its period touches, with its passenger-km, the
  normalised activity value. Mobility methodologies are those of
  standards/methodologies.yaml at this revision, frozen here so the
  migration means the same whenever it runs.

No decision, entry or balance changes: the same totals are read from new
places. Downgrade drops both tables.

Revision ID: 0013_daily_totals
Revises: 0012_asset_index
Create Date: 2026-12-06
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision: str = "0013_daily_totals"
down_revision: str | None = "0012_asset_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MOBILITY = ("SZ-TRANSIT-BUS", "SZ-TRANSIT-METRO", "SZ-BIKE")
DAY_ZONE = ZoneInfo("Asia/Shanghai")  # hub.domain.mobility.DAY_ZONE
BATCH = 5000


def upgrade() -> None:
    op.create_table(
        "points_daily",
        sa.Column("partner", sa.String(64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("person", sa.String(200), nullable=False),
        sa.Column("methodology", sa.String(200), nullable=False),
        sa.Column("awarded", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("partner", "day", "person", "methodology", name="pk_points_daily"),
        sa.CheckConstraint("awarded >= 0", name="ck_points_daily_awarded_not_negative"),
    )
    op.create_table(
        "person_travel_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("person", sa.String(200), nullable=False),
        sa.Column("claim_id", sa.String(64), nullable=False),
        sa.Column("passenger_km", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("day", "person", "claim_id", name="pk_person_travel_days"),
    )
    connection = op.get_bind()
    connection.execute(
        sa.text(
            "INSERT INTO points_daily (partner, day, person, methodology, awarded) "
            "SELECT partner, day, person, methodology, SUM(points) FROM points_entries "
            "WHERE kind = 'AWARD' AND methodology IS NOT NULL AND day IS NOT NULL "
            "GROUP BY partner, day, person, methodology"
        )
    )
    travel = sa.table(
        "person_travel_days",
        sa.column("person", sa.String()),
        sa.column("day", sa.Date()),
        sa.column("claim_id", sa.String()),
        sa.column("passenger_km", sa.String()),
    )
    result = connection.execute(
        sa.text(
            "SELECT claim_id, person_pseudonym, normalised FROM claims "
            "WHERE methodology IN :mobility AND person_pseudonym IS NOT NULL "
            "AND normalised IS NOT NULL"
        ).bindparams(sa.bindparam("mobility", expanding=True)),
        {"mobility": list(MOBILITY)},
    )
    rows: list[dict[str, object]] = []
    for claim_id, pseudonym, normalised_json in result.all():
        person = pseudonym.strip()
        if not person:
            continue
        normalised = json.loads(normalised_json)
        start = datetime.fromisoformat(normalised["period_start"])
        end = datetime.fromisoformat(normalised["period_end"])
        if end <= start:
            continue  # no time, no passenger-km on any day (days_of)
        day = start.astimezone(DAY_ZONE).date()
        last = (end - timedelta(microseconds=1)).astimezone(DAY_ZONE).date()
        while day <= last:
            rows.append(
                {
                    "person": person,
                    "day": day,
                    "claim_id": claim_id,
                    "passenger_km": str(normalised["activity_value"]),
                }
            )
            day += timedelta(days=1)
        if len(rows) >= BATCH:
            op.bulk_insert(travel, rows)
            rows = []
    if rows:
        op.bulk_insert(travel, rows)


def downgrade() -> None:
    op.drop_table("person_travel_days")
    op.drop_table("points_daily")
