"""schedules: posts' queue order and stored slot assignments

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("posts") as batch_op:
        batch_op.add_column(sa.Column("queue_order", sa.Float(), nullable=True))
    op.create_table(
        "slot_assignments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("schedule", sa.String(length=255), nullable=False),
        sa.Column("slot_at", sa.DateTime(), nullable=False),
        sa.Column("post_id", sa.String(length=255), nullable=False),
        sa.Column("assigned_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("post_id"),
        sa.UniqueConstraint("schedule", "slot_at", name="uq_slot_schedule_time"),
    )


def downgrade() -> None:
    op.drop_table("slot_assignments")
    with op.batch_alter_table("posts") as batch_op:
        batch_op.drop_column("queue_order")
