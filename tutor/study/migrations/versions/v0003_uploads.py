"""Uploaded guides live in the database, not in files beside one replica: their text, who
uploaded them (a class server's learner; "" where nobody signs in), and their progress beside the
built-in guides' in the same tables, told apart by a ``guide`` column ("" for the built-in
guides, else the upload's key). A learner's card state is now one per guide and card. And the
claims a signed-in learner checked, by the pair they matched and the side they took, for the
teacher's view of the class. And practice exams in progress, so that one carries on when its
replica goes. And when an account's password was last set: sessions signed before then end."""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "uploads",
        sa.Column("owner", sa.String(80), primary_key=True),
        sa.Column("key", sa.String(60), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("items", sa.Integer, nullable=False),
        sa.Column("pairs", sa.Integer, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_uploads_key", "uploads", ["key"])
    op.create_table(
        "checks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("learner_id", sa.Integer, sa.ForeignKey("learners.id"), nullable=False),
        sa.Column("guide", sa.String(60), nullable=False, server_default=""),
        sa.Column("pair_id", sa.String(300), nullable=False),
        sa.Column("held_wrong", sa.Boolean, nullable=False),
        sa.Column("checked", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_checks_learner_id", "checks", ["learner_id"])
    op.create_table(
        "sittings",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("learner_id", sa.Integer, sa.ForeignKey("learners.id"), nullable=False),
        sa.Column("guide", sa.String(60), nullable=False, server_default=""),
        sa.Column("questions", sa.Text, nullable=False),
        sa.Column("answers", sa.Text, nullable=False),
        sa.Column("started", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_sittings_started", "sittings", ["started"])
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("sessions_from", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("reviews") as batch:
        batch.add_column(sa.Column("guide", sa.String(60), nullable=False, server_default=""))
    # A new primary key: the table is made again with it and its rows copied (the same on
    # SQLite, which cannot alter a primary key, and on PostgreSQL).
    op.create_table(
        "card_states_v3",
        sa.Column("learner_id", sa.Integer, sa.ForeignKey("learners.id"), nullable=False),
        sa.Column("guide", sa.String(60), nullable=False, server_default=""),
        sa.Column("card_id", sa.String(300), nullable=False),
        sa.Column("card", sa.Text, nullable=False),
        sa.Column("due", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("learner_id", "guide", "card_id"),
    )
    op.execute(
        "INSERT INTO card_states_v3 (learner_id, guide, card_id, card, due) "
        "SELECT learner_id, '', card_id, card, due FROM card_states"
    )
    op.drop_index("ix_card_states_due", "card_states")
    op.drop_table("card_states")
    op.rename_table("card_states_v3", "card_states")
    op.create_index("ix_card_states_due", "card_states", ["due"])


def downgrade() -> None:
    raise NotImplementedError("progress is never migrated down: restore a backup instead")
