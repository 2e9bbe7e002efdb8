"""The progress tables as they were before migrations existed ("ecs-tutor progress v1"):
meta, learners, one FSRS card state per learner and card, and one row per review. A database
made before then has these tables already and is stamped with this revision, not migrated."""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meta",
        sa.Column("key", sa.String(40), primary_key=True),
        sa.Column("value", sa.String(200), nullable=False),
    )
    op.create_table(
        "learners",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(80), nullable=False, unique=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "card_states",
        sa.Column("learner_id", sa.Integer, sa.ForeignKey("learners.id"), primary_key=True),
        sa.Column("card_id", sa.String(300), primary_key=True),
        sa.Column("card", sa.Text, nullable=False),
        sa.Column("due", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_card_states_due", "card_states", ["due"])
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("learner_id", sa.Integer, sa.ForeignKey("learners.id"), nullable=False),
        sa.Column("card_id", sa.String(300), nullable=False),
        sa.Column("reviewed", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rating", sa.Integer, nullable=False),
        sa.Column("correct", sa.Boolean, nullable=True),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("recall", sa.Double, nullable=True),
        sa.Column("duration_ms", sa.Integer, nullable=True),
    )
    op.create_index("ix_reviews_learner_id", "reviews", ["learner_id"])


def downgrade() -> None:
    for table in ("reviews", "card_states", "learners", "meta"):
        op.drop_table(table)
