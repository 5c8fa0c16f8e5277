"""audit chain: who ran it (OS user, host) and the hash chain over audit events

Revision ID: 0005
Revises: 0004
"""

import hashlib
import json
from datetime import UTC

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

GENESIS = "0" * 64


def _chain(connection: sa.engine.Connection) -> None:
    """Chain the events recorded before the chain existed, in the order they were recorded."""
    events = sa.table(
        "audit_events",
        sa.column("id"),
        sa.column("at"),
        sa.column("actor"),
        sa.column("action"),
        sa.column("post_id"),
        sa.column("delivery_id"),
        sa.column("detail", sa.JSON()),
        sa.column("prev_hash"),
        sa.column("hash"),
    )
    previous = GENESIS
    for row in connection.execute(sa.select(events).order_by(events.c.id)).mappings():
        at = row["at"]
        fields = {
            "id": row["id"],
            "at": (at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)).isoformat(),
            "actor": row["actor"],
            "action": row["action"],
            "post_id": row["post_id"],
            "delivery_id": row["delivery_id"],
            "detail": row["detail"] or {},
            "os_user": None,
            "host": None,
        }
        canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
        digest = hashlib.sha256(f"{previous}\n{canonical}".encode()).hexdigest()
        connection.execute(sa.update(events).where(events.c.id == row["id"]).values(prev_hash=previous, hash=digest))
        previous = digest


def upgrade() -> None:
    with op.batch_alter_table("audit_events") as batch_op:
        batch_op.add_column(sa.Column("os_user", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("host", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    _chain(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("audit_events") as batch_op:
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("host")
        batch_op.drop_column("os_user")
