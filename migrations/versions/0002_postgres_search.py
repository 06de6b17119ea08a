"""PostgreSQL full-text search tables (SEARCH_BACKEND=postgres); nothing on SQLite

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 08:00:00

The tables are not in the models' metadata (migrations/env.py leaves them out of
autogenerate): app/search/postgres_backend.py owns them, creates them itself when missing, and
replaces them on each rebuild. They start empty and without a search_state row, so the first
worker finds the index "never built" and rebuilds it from the posts. The downgrade keeps the
pg_trgm extension, which other things in the database may use.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UPGRADE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """CREATE TABLE IF NOT EXISTS search_state (
        id integer NOT NULL,
        schema_version text NOT NULL,
        built_at timestamp with time zone NOT NULL,
        CONSTRAINT pk_search_state PRIMARY KEY (id),
        CONSTRAINT ck_search_state_one_row CHECK (id = 1)
    )""",
    """CREATE TABLE IF NOT EXISTS search_documents (
        post_id integer NOT NULL,
        title text NOT NULL,
        tags text[] NOT NULL,
        kind text NOT NULL,
        author_role text NOT NULL,
        author_username text NOT NULL,
        published_at timestamp with time zone NOT NULL,
        title_tsv tsvector NOT NULL,
        tsv tsvector NOT NULL,
        CONSTRAINT pk_search_documents PRIMARY KEY (post_id)
    )""",
    """CREATE TABLE IF NOT EXISTS search_words (
        word text NOT NULL,
        lexeme text NOT NULL,
        posts integer NOT NULL,
        CONSTRAINT pk_search_words PRIMARY KEY (word)
    )""",
    "CREATE INDEX IF NOT EXISTS ix_search_documents_tsv ON search_documents "
    "USING gin (tsv) WITH (fastupdate = off)",
    "CREATE INDEX IF NOT EXISTS ix_search_documents_title_tsv ON search_documents "
    "USING gin (title_tsv) WITH (fastupdate = off)",
    "CREATE INDEX IF NOT EXISTS ix_search_documents_published ON search_documents "
    "(published_at, post_id)",
    "CREATE INDEX IF NOT EXISTS ix_search_words_trgm ON search_words "
    "USING gin (word gin_trgm_ops)",
]


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in UPGRADE:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TABLE IF EXISTS search_documents, search_words, search_state")
