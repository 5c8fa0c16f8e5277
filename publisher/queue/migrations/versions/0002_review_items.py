"""review items for emergency posts awaiting the Translation Team

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_items",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("post_id", sa.String(length=255), nullable=False),
        sa.Column("translation_source", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("reviewer", sa.String(length=255), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("correction", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("review_items") as batch_op:
        batch_op.create_index(batch_op.f("ix_review_items_post_id"), ["post_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("review_items") as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_items_post_id"))
    op.drop_table("review_items")
