"""delivery actions: corrections (edits and correction replies) go through the dispatcher

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch_op:
        batch_op.add_column(sa.Column("action", sa.String(length=20), server_default="publish", nullable=False))
        batch_op.add_column(sa.Column("edit_of_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_deliveries_edit_of", "deliveries", ["edit_of_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch_op:
        batch_op.drop_constraint("fk_deliveries_edit_of", type_="foreignkey")
        batch_op.drop_column("edit_of_id")
        batch_op.drop_column("action")
