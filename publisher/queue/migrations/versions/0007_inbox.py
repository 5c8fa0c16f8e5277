"""the replies inbox: messages from the public, what was done about them, collection cursors

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbox_cursors",
        sa.Column("account", sa.String(length=255), nullable=False),
        sa.Column("cursor", sa.Text(), nullable=True),
        sa.Column("collected_at", sa.DateTime(), nullable=True),
        sa.Column("retry_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("reads_day", sa.String(length=10), nullable=True),
        sa.Column("reads", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("account"),
    )
    op.create_table(
        "inbox_messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account", sa.String(length=255), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("remote_id", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("author_id", sa.String(length=255), nullable=True),
        sa.Column("author_handle", sa.String(length=255), nullable=True),
        sa.Column("author_name", sa.String(length=255), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("language", sa.String(length=20), nullable=False),
        sa.Column("language_basis", sa.String(length=20), nullable=False),
        sa.Column("language_hint", sa.String(length=16), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("collected_at", sa.DateTime(), nullable=False),
        sa.Column("parent_remote_id", sa.String(length=255), nullable=True),
        sa.Column("root_remote_id", sa.String(length=255), nullable=True),
        sa.Column("our_delivery_id", sa.Integer(), nullable=True),
        sa.Column("reply_target", sa.JSON(), nullable=False),
        sa.Column("notice_target", sa.JSON(), nullable=True),
        sa.Column("hideable", sa.Boolean(), nullable=False),
        sa.Column("ack_due_at", sa.DateTime(), nullable=False),
        sa.Column("answer_due_at", sa.DateTime(), nullable=False),
        sa.Column("assigned_to", sa.String(length=255), nullable=True),
        sa.Column("closed_reason", sa.Text(), nullable=True),
        sa.Column("closed_by", sa.String(length=255), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("reported_at", sa.DateTime(), nullable=True),
        sa.Column("redacted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["our_delivery_id"], ["deliveries.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account", "remote_id", name="uq_inbox_account_remote"),
    )
    with op.batch_alter_table("inbox_messages") as batch_op:
        batch_op.create_index("ix_inbox_messages_author_handle", ["author_handle"], unique=False)
        batch_op.create_index("ix_inbox_received", ["received_at"], unique=False)
    op.create_table(
        "inbox_responses",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("by", sa.String(length=255), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["delivery_id"], ["deliveries.id"]),
        sa.ForeignKeyConstraint(["message_id"], ["inbox_messages.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("delivery_id"),
    )
    with op.batch_alter_table("inbox_responses") as batch_op:
        batch_op.create_index("ix_inbox_responses_message_id", ["message_id"], unique=False)
    with op.batch_alter_table("deliveries") as batch_op:
        batch_op.add_column(sa.Column("target_remote", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch_op:
        batch_op.drop_column("target_remote")
    op.drop_table("inbox_responses")
    op.drop_table("inbox_messages")
    op.drop_table("inbox_cursors")
