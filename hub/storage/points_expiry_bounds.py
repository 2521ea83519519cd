"""Is every person's expiry bound where the sweep needs it? (migration 0022)

The expiry sweep finds persons by ``points_balances.next_expiry`` alone, so
an award whose expiry is earlier than its person's stored bound (or a bound
left NULL under an open award) would never be expired. This reads the
invariant straight from the tables, for scripts/check_points.py and the
tests: the persons whose bound is later than the earliest expiry of an open
award (one with no expiry or reversal entry), or missing.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from hub.storage.hex_digest_column import digest_text

__all__ = ["late_expiry_bounds"]

_LATE = text(
    "SELECT m.partner, m.person FROM"
    " (SELECT a.partner, a.person, MIN(a.expires_at) AS soonest FROM points_entries a"
    "  WHERE a.kind = 'AWARD' AND a.expires_at IS NOT NULL"
    "  AND NOT EXISTS (SELECT 1 FROM points_entries c"
    "   WHERE c.kind IN ('EXPIRY', 'REVERSAL') AND c.claim_id = a.claim_id)"
    "  GROUP BY a.partner, a.person) AS m"
    " LEFT JOIN points_balances b ON b.partner = m.partner AND b.person = m.person"
    " WHERE b.next_expiry IS NULL OR b.next_expiry > m.soonest"
    " ORDER BY m.partner, m.person"
)


def late_expiry_bounds(connection: Connection) -> list[str]:
    """``partner|person`` of every person whose bound is later than an open
    award's expiry, or NULL (or no balance row) with an award open."""
    return [f"{partner}|{digest_text(person)}" for partner, person in connection.execute(_LATE)]
