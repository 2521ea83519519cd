"""Personal reductions are pooled per reporting platform (issue 14).

Claims learn the platform that reported them (``claims.platform``; NULL, the
agreement's default platform, for every claim recorded before). The carried
remainders of person accounts ("person:<pseudonym>") move into the pool of
their partner's default platform ("pool:<platform>"), keyed by the same
partner, methodology, vintage and adjustment reference: the pool carries the
exact sum of its people's remainders, which may reach whole tonnes; the
issuer issues those on its next run (hub.services.issuance). No block, serial
counter or issuance record changes here, and no audit event is written (the
log is the hub's, signed by the running hub).

The default platforms are those of standards/agreements at this revision,
frozen here so that the migration means the same whenever it runs. A person
account of any other partner keeps its remainder where it is (nothing is
lost; it is reported by ``carbon-hub issuance pools`` as not pooled).

Downgrade drops the column and leaves the pools' rows: a remainder cannot be
split back among people, and the older issuer never reads a pool's row.

Revision ID: 0007_platform_pools
Revises: 0006_officers
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import MAX_PREC, Decimal, localcontext

import sqlalchemy as sa
from alembic import op

from hub.storage.tables import ExactDecimal

revision: str = "0007_platform_pools"
down_revision: str | None = "0006_officers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The default platform of each partner with personal methodologies, as in
# standards/agreements/*.yaml at this revision.
DEFAULT_PLATFORMS = {"CN-GD": "GD-PHCER", "CN-HK": "MTR", "CN-MO": "DSPA"}

_carry = sa.table(
    "carry_accounts",
    sa.column("partner", sa.String()),
    sa.column("methodology", sa.String()),
    sa.column("vintage", sa.Integer()),
    sa.column("account", sa.String()),
    sa.column("adjustment_ref", sa.String()),
    sa.column("carried", ExactDecimal()),
    sa.column("version", sa.Integer()),
)


def upgrade() -> None:
    # A plain ALTER TABLE (SQLite has ADD / DROP COLUMN): a batch table copy
    # would drop the claims table and cascade to claim_locks.
    op.add_column("claims", sa.Column("platform", sa.String(64), nullable=True))
    pool_remainders(op.get_bind())


def pool_remainders(connection: sa.Connection) -> None:
    """Move every person account's remainder into its default pool."""
    pools: dict[tuple[str, str, int, str, str], Decimal] = {}
    moved: list[tuple[str, str, int, str, str]] = []
    for row in connection.execute(
        sa.select(
            _carry.c.partner,
            _carry.c.methodology,
            _carry.c.vintage,
            _carry.c.account,
            _carry.c.adjustment_ref,
            _carry.c.carried,
        ).where(_carry.c.account.like("person:%"))
    ):
        platform = DEFAULT_PLATFORMS.get(row.partner)
        if platform is None:
            continue
        pool = (row.partner, row.methodology, row.vintage, f"pool:{platform}", row.adjustment_ref)
        with localcontext() as ctx:
            ctx.prec = MAX_PREC  # exact: no remainder is rounded away
            pools[pool] = pools.get(pool, Decimal(0)) + row.carried
        moved.append((row.partner, row.methodology, row.vintage, row.account, row.adjustment_ref))
    for partner, methodology, vintage, account, ref in moved:
        connection.execute(
            sa.delete(_carry).where(
                _carry.c.partner == partner,
                _carry.c.methodology == methodology,
                _carry.c.vintage == vintage,
                _carry.c.account == account,
                _carry.c.adjustment_ref == ref,
            )
        )
    for (partner, methodology, vintage, account, ref), carried in sorted(pools.items()):
        where = (
            _carry.c.partner == partner,
            _carry.c.methodology == methodology,
            _carry.c.vintage == vintage,
            _carry.c.account == account,
            _carry.c.adjustment_ref == ref,
        )
        # A pool exists already only where this revision was downgraded and
        # person rows were written again since: it takes them over too.
        existing = connection.execute(
            sa.select(_carry.c.carried, _carry.c.version).where(*where)
        ).first()
        if existing is None:
            connection.execute(
                sa.insert(_carry).values(
                    partner=partner,
                    methodology=methodology,
                    vintage=vintage,
                    account=account,
                    adjustment_ref=ref,
                    carried=carried,
                    version=1,
                )
            )
        else:
            with localcontext() as ctx:
                ctx.prec = MAX_PREC
                total = existing.carried + carried
            connection.execute(
                sa.update(_carry).where(*where).values(carried=total, version=existing.version + 1)
            )


def downgrade() -> None:
    op.drop_column("claims", "platform")
