"""lists without a risk model: a target's PD and score points may be unknown

A bundle trained on a table without a risk label has no scorecard; its targets carry no PD or
points (NULL), never a made-up 0.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 09:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("pd", "score_points")


def upgrade() -> None:
    with op.batch_alter_table("targets") as batch:
        for name in COLUMNS:
            batch.alter_column(name, existing_type=sa.Float(), nullable=True)


def downgrade() -> None:
    """Fails while a stored list has targets without a PD (they cannot be represented)."""
    with op.batch_alter_table("targets") as batch:
        for name in COLUMNS:
            batch.alter_column(name, existing_type=sa.Float(), nullable=False)
