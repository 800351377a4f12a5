"""closed loop: one contact per campaign and subscriber, the day a card was taken, idempotent
posts

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 09:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A campaign sent twice by the old ``prospect send`` race: keep each subscriber's first contact.
DROP_REPEATED_CONTACTS = """
DELETE FROM contact_history
WHERE campaign_id IS NOT NULL AND EXISTS (
    SELECT 1 FROM contact_history AS earlier
    WHERE earlier.campaign_id = contact_history.campaign_id
      AND earlier.user_id = contact_history.user_id AND earlier.id < contact_history.id
)
"""


def upgrade() -> None:
    op.execute(DROP_REPEATED_CONTACTS)
    op.create_index(
        "ux_contact_history_campaign_user", "contact_history", ["campaign_id", "user_id"],
        unique=True,
    )  # fmt: skip
    with op.batch_alter_table("responses") as batch:
        batch.add_column(sa.Column("taken_on", sa.Date(), nullable=True))
    op.create_table(
        "idempotent_requests",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("scope", sa.String(length=128), nullable=False),
        sa.Column("idempotency_key", sa.String(length=128), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotent_requests")),
        sa.UniqueConstraint(
            "scope", "idempotency_key", name=op.f("uq_idempotent_requests_scope_idempotency_key")
        ),
    )


def downgrade() -> None:
    op.drop_table("idempotent_requests")
    with op.batch_alter_table("responses") as batch:
        batch.drop_column("taken_on")
    op.drop_index("ux_contact_history_campaign_user", table_name="contact_history")
