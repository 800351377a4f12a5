"""decisions that hold: one approved campaign a month, suppression history, login throttle,
users' pii access, audit log by time

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 13:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPROVED_ONLY = sa.text("status = 'approved'")
# Lists approved twice in one month by the old race: keep the latest decision, supersede the rest.
SUPERSEDE_DUPLICATES = """
UPDATE campaigns SET status = 'superseded'
WHERE status = 'approved' AND EXISTS (
    SELECT 1 FROM campaigns AS later
    WHERE later.month = campaigns.month AND later.status = 'approved'
      AND (later.reviewed_at > campaigns.reviewed_at
           OR (later.reviewed_at = campaigns.reviewed_at AND later.id > campaigns.id))
)
"""


def upgrade() -> None:
    op.execute(SUPERSEDE_DUPLICATES)
    op.create_index(
        "ux_campaigns_month_approved", "campaigns", ["month"], unique=True,
        sqlite_where=APPROVED_ONLY, postgresql_where=APPROVED_ONLY,
    )  # fmt: skip
    op.create_index("ix_audit_log_at", "audit_log", ["at"], unique=False)
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("pii_access", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "suppression_history",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("added_by", sa.String(length=128), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suppression_history")),
    )
    op.create_index(
        op.f("ix_suppression_history_user_id"), "suppression_history", ["user_id"], unique=False
    )
    op.execute(
        "INSERT INTO suppression_history (user_id, reason, source, added_by, added_at) "
        "SELECT user_id, reason, source, added_by, added_at FROM suppression"
    )
    op.create_table(
        "login_throttle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=128), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_throttle")),
        sa.UniqueConstraint("scope", "subject", name=op.f("uq_login_throttle_scope_subject")),
    )


def downgrade() -> None:
    op.drop_table("login_throttle")
    op.drop_index(op.f("ix_suppression_history_user_id"), table_name="suppression_history")
    op.drop_table("suppression_history")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("pii_access")
    op.drop_index("ix_audit_log_at", table_name="audit_log")
    op.drop_index("ux_campaigns_month_approved", table_name="campaigns")
