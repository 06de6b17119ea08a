"""The PostgreSQL backend: full-text search in the database itself, for several web nodes.

Words are analysed in Python by the same analyzer as the Whoosh backend (medical tokens kept
whole, no stop words, accents folded, Porter2 stems), and stored as weighted tsvectors (title A,
tag names B, body C) with a GIN index; queries are tsqueries built from the same analysis and
synonym list, always passed as bound parameters. Relevance ranks a bounded candidate set (the
first matches plus the title matches) with ts_rank, totals are exact up to EXACT_COUNT_UP_TO
and extrapolated beyond, and "did you mean" looks words up with pg_trgm.

"Did you mean" offers only words of the indexed (published) posts, at once: each document row
keeps its words, and search_words counts, for each word, the documents holding it. The code
that writes or deletes a document row moves those counts in the same statement batch and
transaction (with the outbox, the one that deletes the outbox rows), and a word whose count
reaches zero is deleted there, so a removed post or a word edited out is never suggested.

Writing: `index` and `remove` run in their own transaction, or in the app session's inside
`index_writes` (so index writes and the outbox-row delete commit together). Rebuilding: new
tables are filled and indexed beside the old ones and swapped in by renames in one
transaction, so searches see the old index until the commit.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache, partial
from itertools import islice
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from app.db import begin_writing
from app.extensions import db
from app.search import (
    SearchDocument,
    SearchHit,
    SearchPage,
    SearchQuery,
    SearchUnavailable,
    clean_query_text,
    validate_paging,
)
from app.search.analysis import (
    TOKEN_PATTERN,
    stem,
    word_forms,
)
from app.search.querying import (
    PLAN_CACHE_SIZE,
    SYNONYM_BOOST,
    Plan,
    PlannedSearch,
    closest_word,
    edit_distance,
    highlight_title,
    spelling_words,
    suggestion,
    words_to_check,
)
from app.search.synonyms import Terms

# Bump when the tables or the analysis change: check() then reports the index as unusable.
SCHEMA_VERSION = "2"
DOCUMENTS = "search_documents"
WORDS = "search_words"
STATE = "search_state"
STAGING_SUFFIX = "_next"
# Advisory lock keys (any two distinct bigints): one outbox writer, one rebuild at a time.
OUTBOX_LOCK_KEY = 0x5EA2C4_0B0C
REBUILD_LOCK_KEY = 0x5EA2C4_2EB1

# ts_rank weights for D (unused), C (body), B (tag names), A (title), and no length
# normalization: ts_rank already saturates repeated words, and the title weight brings posts
# about the subject first (tuned on tests/search/relevance_set.py).
RANK_WEIGHTS = "{0.1, 0.25, 0.5, 1.0}"
RANK_NORMALIZATION = 0
# Relevance ranks at most this many matches: those with the words in their titles first (they
# outrank any match in a body alone), then others in the table's order. Ranking every match of
# a common word would read all their vectors. Pages beyond the ranked ones list the other
# matches, newest first.
CANDIDATES = 200
# Totals are exact up to this many matches and extrapolated beyond (SearchPage.total_is_estimate).
EXACT_COUNT_UP_TO = 500
SEARCH_TIMEOUT_MS = 5_000
SUGGESTION_CANDIDATES = 50
SUGGESTION_SIMILARITY = 0.2
# Each read's transaction: a time limit; no sequential scans (the planner takes a tsvector
# match for cheap and, under a LIMIT, expects to meet matches early in a scan of the table,
# while reading each vector costs far more than the GIN index does); plans made for each
# query's own words (psycopg prepares repeated statements; a generic plan would ignore how
# common the words are); and the similarity "did you mean" asks pg_trgm's % operator for.
# Local to the transaction: the connections are the app's, and its own queries want none of it.
READ_SETTINGS = sa.text(
    f"SELECT set_config('statement_timeout', '{SEARCH_TIMEOUT_MS}', true), "
    "set_config('enable_seqscan', 'off', true), "
    "set_config('plan_cache_mode', 'force_custom_plan', true), "
    f"set_config('pg_trgm.similarity_threshold', '{SUGGESTION_SIMILARITY}', true)"
)
WRITE_BATCH = 500
# Where each field's positions start after the previous one: phrases never span two fields.
FIELD_GAP = 8
MAX_POSITION = 16_383
MAX_POSITIONS_PER_LEXEME = 255
MAX_LEXEME_BYTES = 2_046
MAX_VECTOR_BYTES = 900_000

TOKEN = re.compile(TOKEN_PATTERN)

log = logging.getLogger(__name__)
T = TypeVar("T")


# Schema -----------------------------------------------------------------------------------


def table_statements(suffix: str = "") -> list[str]:
    """The tables of the search index; `suffix` names a rebuild's staging copy."""
    documents, words = f"{DOCUMENTS}{suffix}", f"{WORDS}{suffix}"
    return [
        f"""CREATE TABLE IF NOT EXISTS {documents} (
            post_id integer NOT NULL,
            title text NOT NULL,
            tags text[] NOT NULL,
            kind text NOT NULL,
            author_role text NOT NULL,
            author_username text NOT NULL,
            published_at timestamp with time zone NOT NULL,
            title_tsv tsvector NOT NULL,
            tsv tsvector NOT NULL,
            words text[] NOT NULL,
            CONSTRAINT pk_{documents} PRIMARY KEY (post_id)
        )""",
        f"""CREATE TABLE IF NOT EXISTS {words} (
            word text NOT NULL,
            lexeme text NOT NULL,
            posts integer NOT NULL,
            CONSTRAINT pk_{words} PRIMARY KEY (word)
        )""",
    ]


def index_statements(suffix: str = "") -> list[str]:
    documents, words = f"{DOCUMENTS}{suffix}", f"{WORDS}{suffix}"
    return [
        f"CREATE INDEX IF NOT EXISTS ix_{documents}_tsv ON {documents} "
        "USING gin (tsv) WITH (fastupdate = off)",
        f"CREATE INDEX IF NOT EXISTS ix_{documents}_title_tsv ON {documents} "
        "USING gin (title_tsv) WITH (fastupdate = off)",
        f"CREATE INDEX IF NOT EXISTS ix_{documents}_published ON {documents} "
        "(published_at, post_id)",
        f"CREATE INDEX IF NOT EXISTS ix_{words}_trgm ON {words} USING gin (word gin_trgm_ops)",
    ]


STATE_STATEMENT = f"""CREATE TABLE IF NOT EXISTS {STATE} (
    id integer NOT NULL,
    schema_version text NOT NULL,
    built_at timestamp with time zone NOT NULL,
    CONSTRAINT pk_{STATE} PRIMARY KEY (id),
    CONSTRAINT ck_{STATE}_one_row CHECK (id = 1)
)"""

INDEX_NAMES = ("tsv", "title_tsv", "published")
TABLES = frozenset(
    {DOCUMENTS, WORDS, STATE, f"{DOCUMENTS}{STAGING_SUFFIX}", f"{WORDS}{STAGING_SUFFIX}"}
)


def include_object(object_, name: str | None, type_: str, reflected: bool, compare_to) -> bool:
    """Alembic's include_object: the search tables belong to this backend, not the models."""
    table = object_ if type_ == "table" else getattr(object_, "table", None)
    return getattr(table, "name", name) not in TABLES


def swap_statements() -> list[str]:
    """Drop the live tables and give the staging ones (and their indexes) the live names."""
    statements = [f"DROP TABLE IF EXISTS {DOCUMENTS}, {WORDS}"]
    for table in (DOCUMENTS, WORDS):
        staging = f"{table}{STAGING_SUFFIX}"
        statements.append(f"ALTER TABLE {staging} RENAME TO {table}")
        statements.append(f"ALTER INDEX pk_{staging} RENAME TO pk_{table}")
    for name in INDEX_NAMES:
        statements.append(
            f"ALTER INDEX ix_{DOCUMENTS}{STAGING_SUFFIX}_{name} RENAME TO ix_{DOCUMENTS}_{name}"
        )
    statements.append(f"ALTER INDEX ix_{WORDS}{STAGING_SUFFIX}_trgm RENAME TO ix_{WORDS}_trgm")
    return statements


# Documents as tsvectors ---------------------------------------------------------------------


def quote_lexeme(term: str) -> str:
    """A lexeme quoted for tsvector and tsquery input (quotes doubled, backslashes escaped)."""
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


class VectorBuilder:
    """Positions and weights of each term of a document, fields one after another.

    Terms are MEDICAL_ANALYZER's in index mode (its tokenizer and `word_forms`, without Whoosh's
    token objects: a rebuild analyses every word of every post).
    """

    def __init__(self) -> None:
        self.entries: dict[str, list[str]] = {}
        self.next_position = 1

    def add(self, text: str, weight: str) -> None:
        entries_of = self.entries
        position = self.next_position - 1
        for position, match in enumerate(TOKEN.finditer(text), start=self.next_position):
            entry = f"{min(position, MAX_POSITION)}{weight}"
            for form in word_forms(match.group(), True, True):
                entries = entries_of.get(form)
                if entries is None:
                    entries_of[form] = [entry]
                elif len(entries) < MAX_POSITIONS_PER_LEXEME and entries[-1] != entry:
                    entries.append(entry)
        self.next_position = min(position + FIELD_GAP, MAX_POSITION)

    def literal(self) -> str:
        parts, size = [], 0
        for term, entries in self.entries.items():
            length = len(term.encode())
            if length > MAX_LEXEME_BYTES or size + length > MAX_VECTOR_BYTES:
                continue
            size += length
            parts.append(f"{quote_lexeme(term)}:{','.join(entries)}")
        return " ".join(parts)


def filter_lexemes(tags: Iterable[str], kind: str | None, role: str | None) -> list[str]:
    """Terms for the tag, kind and role of a post: filters become part of the tsquery, so GIN
    intersects them with the words (the analyzer never makes a term with a colon)."""
    values = [f"tag:{tag}" for tag in tags]
    values += [f"{name}:{value}" for name, value in (("kind", kind), ("role", role)) if value]
    return [quote_lexeme(value.strip().lower()) for value in values if value.strip()]


def document_row(doc: SearchDocument) -> dict[str, object]:
    """The search_documents row of a document: its fields and its two tsvectors."""
    if doc.published_at.tzinfo is None:
        raise ValueError(f"post {doc.post_id}: published_at must be timezone-aware")
    filters = " ".join(filter_lexemes(doc.tags, doc.kind, doc.author_role))
    vector = VectorBuilder()
    vector.add(doc.title, "A")
    title_tsv = f"{vector.literal()} {filters}"
    vector.add(" | ".join(doc.tag_names), "B")
    vector.add(doc.body_text, "C")
    return {
        "post_id": doc.post_id,
        "title": doc.title.replace("\x00", ""),
        "tags": [tag.lower() for tag in doc.tags],
        "kind": doc.kind,
        "author_role": doc.author_role,
        "author_username": doc.author_username,
        "published_at": doc.published_at,
        "title_tsv": title_tsv,
        "tsv": f"{vector.literal()} {filters}",
        "words": sorted(document_words(doc)),
    }


def document_words(doc: SearchDocument) -> set[str]:
    """The words "did you mean" may suggest, from one document (SPELLING_ANALYZER's terms)."""
    text = spelling_words(doc.title, doc.body_text, " | ".join(doc.tag_names))
    return {word_forms(word, False, False)[0] for word in TOKEN.findall(text)}


# Reading the member's query -----------------------------------------------------------------


def phrase_query(terms: Terms, slop: int = 1) -> str:
    """The tsquery for terms in this order, each at most `slop` positions after the last."""
    expression = quote_lexeme(terms[0])
    for term in terms[1:]:
        lexeme = quote_lexeme(term)
        if slop == 1:
            expression = f"{expression} <-> {lexeme}"
        else:
            expression = " | ".join(
                f"({expression}) <{distance}> {lexeme}" for distance in range(1, slop + 1)
            )
        expression = f"({expression})"
    return expression


def rank_query(terms: frozenset[str]) -> tuple[str, int]:
    """Any of the terms (ts_rank then sums their weights and divides by their number)."""
    return any_of([quote_lexeme(term) for term in sorted(terms)]), len(terms)


def any_of(expressions: Sequence[str]) -> str:
    return expressions[0] if len(expressions) == 1 else "(" + " | ".join(expressions) + ")"


@dataclass(frozen=True)
class TsConcept:
    """One concept of a Plan as tsqueries of what was typed and of its synonyms, and their
    terms (ranking looks at terms, matching at phrases)."""

    typed: str
    typed_terms: frozenset[str]
    synonyms: tuple[str, ...] = ()
    synonym_terms: frozenset[str] = frozenset()

    def match(self) -> str:
        return any_of([self.typed, *self.synonyms])


@dataclass(frozen=True)
class QueryPlan:
    """A Plan's tsqueries."""

    concepts: tuple[TsConcept, ...]
    excluded: tuple[str, ...]

    def strict(self) -> str | None:
        """Every concept must match (AND); exclusions apart (see `excluding`)."""
        if not self.concepts:
            return None
        return "(" + " & ".join(c.match() for c in self.concepts) + ")"

    def relaxed(self) -> str | None:
        """Any concept may match; None when it would change nothing."""
        if len(self.concepts) < 2:
            return None
        return any_of([c.match() for c in self.concepts])

    def excluded_query(self) -> str | None:
        return any_of(self.excluded) if self.excluded else None

    def excluding(self, tsquery: str) -> str:
        excluded = self.excluded_query()
        return tsquery if excluded is None else f"{tsquery} & !{excluded}"

    def typed_rank(self) -> tuple[str, int]:
        """Any typed term, for ts_rank, and how many distinct terms that is."""
        return rank_query(frozenset().union(*(c.typed_terms for c in self.concepts)))

    def synonym_rank(self) -> tuple[str, int] | None:
        terms = frozenset().union(*(c.synonym_terms for c in self.concepts))
        return rank_query(terms) if terms else None


@lru_cache(maxsize=PLAN_CACHE_SIZE)
def tsqueries(plan: Plan) -> QueryPlan:
    concepts = []
    for concept in plan.concepts:
        alternatives = not_implied(concept.typed, concept.alternatives)
        concepts.append(
            TsConcept(
                phrase_query(concept.typed, concept.slop),
                frozenset(concept.typed),
                tuple(phrase_query(terms, concept.slop) for terms in alternatives),
                frozenset(term for terms in alternatives for term in terms),
            )
        )
    return QueryPlan(tuple(concepts), tuple(phrase_query(terms) for terms in plan.excluded))


def not_implied(typed: Terms, alternatives: tuple[Terms, ...]) -> list[Terms]:
    """The alternatives that could match a post no single-word alternative matches: "systemic
    lupus erythematosus" adds nothing to "lupus" but the cost of reading "system"."""
    singles = {terms[0] for terms in (typed, *alternatives) if len(terms) == 1}
    return [terms for terms in alternatives if len(terms) == 1 or not singles & set(terms)]


# SQL ----------------------------------------------------------------------------------------


def with_filters(tsquery: str, query: SearchQuery) -> str:
    """The tsquery limited to the query's tag, kind and role (blank ones are ignored)."""
    filters = filter_lexemes([query.tag] if query.tag else [], query.kind, query.role)
    return " & ".join([tsquery, *filters])


def score_sql(alias: str, synonyms: bool) -> str:
    """The summed ranks of the typed terms, plus SYNONYM_BOOST times those of the synonyms."""

    def rank(parameter: str) -> str:
        return (
            f":{parameter}_terms * ts_rank(CAST('{RANK_WEIGHTS}' AS real[]), {alias}.tsv, "
            f"CAST(:{parameter} AS tsquery), {RANK_NORMALIZATION})"
        )

    return f"{rank('typed')} + {SYNONYM_BOOST} * {rank('synonyms')}" if synonyms else rank("typed")


MATCHED_SQL = """
matched AS MATERIALIZED (
    SELECT post_id, ctid AS place FROM {documents}
    WHERE tsv @@ CAST(:query AS tsquery)
    LIMIT :count_limit
), counted AS (
    SELECT count(*) AS matches, max((place::text::point)[0]) AS last_block FROM matched
)"""

CANDIDATES_SQL = """
title_matches AS (
    SELECT post_id FROM {documents}
    WHERE title_tsv @@ CAST(:title_query AS tsquery){excluding}
    LIMIT :candidates
), other_matches AS (
    SELECT post_id FROM {first_source}
    WHERE post_id NOT IN (SELECT post_id FROM title_matches)
    LIMIT greatest(0, :candidates - (SELECT count(*) FROM title_matches))
), candidates AS (
    SELECT post_id FROM title_matches UNION ALL SELECT post_id FROM other_matches
)"""

PAGE_COLUMNS = """
SELECT counted.matches, counted.last_block,
       pg_relation_size('{documents}') / current_setting('block_size')::integer AS blocks,
       {ranked} AS ranked, page.post_id, page.title, page.score
FROM counted LEFT JOIN page ON true"""

EXCLUDING_SQL = " AND NOT tsv @@ CAST(:excluded AS tsquery)"
MATCHING_SQL = "{documents} WHERE tsv @@ CAST(:query AS tsquery)"


@lru_cache(maxsize=4)
def relevance_statement(synonyms: bool, exclusions: bool) -> sa.TextClause:
    """Rank up to CANDIDATES matches, title matches first (a title match may still name an
    excluded word in its body), and count the matches."""
    sql = f"""WITH {MATCHED_SQL}, {CANDIDATES_SQL}, page AS (
    SELECT d.post_id, d.title, d.published_at, {{score}} AS score
    FROM candidates JOIN {{documents}} AS d USING (post_id)
    ORDER BY score DESC, d.published_at DESC, d.post_id DESC
    LIMIT :limit OFFSET :offset
){PAGE_COLUMNS}
ORDER BY page.score DESC, page.published_at DESC, page.post_id DESC"""
    return sa.text(
        sql.format(
            documents=DOCUMENTS,
            first_source="matched",
            excluding=EXCLUDING_SQL if exclusions else "",
            ranked="(SELECT count(*) FROM candidates)",
            score=score_sql("d", synonyms),
        )
    )


@lru_cache(maxsize=4)
def unranked_statement(synonyms: bool, exclusions: bool) -> sa.TextClause:
    """Deep pages of a relevance search: the matches that were not ranked, newest first."""
    sql = f"""WITH {CANDIDATES_SQL}, page AS (
    SELECT post_id, title, published_at, tsv FROM {MATCHING_SQL}
        AND post_id NOT IN (SELECT post_id FROM candidates)
    ORDER BY published_at DESC, post_id DESC
    LIMIT :limit OFFSET :offset
)
SELECT p.post_id, p.title, {{score}} AS score FROM page AS p
ORDER BY p.published_at DESC, p.post_id DESC"""
    return sa.text(
        sql.format(
            documents=DOCUMENTS,
            first_source=f"(SELECT post_id FROM {MATCHING_SQL}) AS matching".format(
                documents=DOCUMENTS
            ),
            excluding=EXCLUDING_SQL if exclusions else "",
            score=score_sql("p", synonyms),
        )
    )


@lru_cache(maxsize=2)
def newest_statement(synonyms: bool) -> sa.TextClause:
    """The newest matches (ranked for their scores only), and the count."""
    sql = f"""WITH {MATCHED_SQL}, newest AS (
    SELECT post_id, title, published_at, tsv FROM {MATCHING_SQL}
    ORDER BY published_at DESC, post_id DESC
    LIMIT :limit OFFSET :offset
), page AS (
    SELECT n.post_id, n.title, n.published_at, {{score}} AS score FROM newest AS n
){PAGE_COLUMNS}
ORDER BY page.published_at DESC, page.post_id DESC"""
    return sa.text(sql.format(documents=DOCUMENTS, ranked="NULL", score=score_sql("n", synonyms)))


@lru_cache(maxsize=4)
def upsert_statements(suffix: str) -> tuple[sa.TextClause, sa.TextClause]:
    """Insert-or-replace of documents, and insert-or-count of words (counts change by the
    given amounts), in the live or staging tables."""
    documents, words = f"{DOCUMENTS}{suffix}", f"{WORDS}{suffix}"
    return sa.text(
        f"""INSERT INTO {documents} (post_id, title, tags, kind, author_role, author_username,
            published_at, title_tsv, tsv, words)
        VALUES (:post_id, :title, :tags, :kind, :author_role, :author_username, :published_at,
            CAST(:title_tsv AS tsvector), CAST(:tsv AS tsvector), CAST(:words AS text[]))
        ON CONFLICT (post_id) DO UPDATE SET title = EXCLUDED.title, tags = EXCLUDED.tags,
            kind = EXCLUDED.kind, author_role = EXCLUDED.author_role,
            author_username = EXCLUDED.author_username, published_at = EXCLUDED.published_at,
            title_tsv = EXCLUDED.title_tsv, tsv = EXCLUDED.tsv, words = EXCLUDED.words"""
    ), sa.text(
        f"""INSERT INTO {words} (word, lexeme, posts)
        SELECT * FROM unnest(CAST(:words AS text[]), CAST(:lexemes AS text[]),
            CAST(:counts AS integer[]))
        ON CONFLICT (word) DO UPDATE SET posts = {words}.posts + EXCLUDED.posts"""
    )


COUNT_DOCUMENTS = sa.text(f"SELECT count(*) FROM {DOCUMENTS}")
KNOWN_WORDS = sa.text(
    f"SELECT word FROM {WORDS} WHERE word = ANY(CAST(:words AS text[])) AND posts > 0"
)

CLOSE_WORDS = sa.text(
    f"""SELECT asked.word, close.word, close.posts
    FROM unnest(CAST(:words AS text[])) AS asked(word)
    CROSS JOIN LATERAL (
        SELECT word, posts FROM {WORDS}
        WHERE word % asked.word AND left(word, 1) = left(asked.word, 1) AND posts > 0
        ORDER BY similarity(word, asked.word) DESC
        LIMIT {SUGGESTION_CANDIDATES}
    ) AS close"""
)

# The counts recomputed from the documents' own word lists (they are kept live; this repairs).
RECOUNT_WORDS = sa.text(
    f"""WITH counted AS MATERIALIZED (
        SELECT word, count(*) AS posts FROM {DOCUMENTS}, unnest(words) AS word GROUP BY word
    ), unused AS (
        DELETE FROM {WORDS} AS w WHERE NOT EXISTS (SELECT 1 FROM counted WHERE word = w.word)
    )
    UPDATE {WORDS} AS w SET posts = counted.posts FROM counted
    WHERE counted.word = w.word AND counted.posts <> w.posts"""
)


@dataclass(frozen=True)
class Matches:
    rows: list[tuple[int, str, float]]
    total: int
    estimated: bool
    ranked: int | None = None


def matches_from(result: Sequence[sa.Row]) -> Matches:
    """Page rows and the total: exact if counting stopped short, else extrapolated from where
    the last counted match lies in the table (matches come in physical order)."""
    counted, last_block, blocks, ranked = result[0][:4]
    rows = [(row.post_id, row.title, float(row.score or 0.0)) for row in result if row.post_id]
    if counted <= EXACT_COUNT_UP_TO:
        return Matches(rows, counted, False, ranked)
    extrapolated = round(counted * max(blocks, 1) / (int(last_block) + 1))
    return Matches(rows, max(counted, extrapolated), True, ranked)


# The backend -------------------------------------------------------------------------------


class PostgresBackend(PlannedSearch):
    """Search over tables in a PostgreSQL database; see the module docstring."""

    def __init__(
        self,
        database: Engine | str,
        *,
        synonyms_path: str | os.PathLike[str] | None = None,
    ) -> None:
        """`database`: the app's engine (the app passes its own), or a URL for a standalone
        backend (tests, benchmarks), which then owns the engine it makes."""
        self._owns_engine = isinstance(database, str)
        if isinstance(database, str):
            database = sa.create_engine(database)
        if database.dialect.name != "postgresql":
            raise SearchUnavailable(
                "SEARCH_BACKEND=postgres needs a PostgreSQL DATABASE_URL; "
                f"this one is {database.dialect.name}."
            )
        self.engine = database
        self.database_url = database.url
        super().__init__(synonyms_path)
        self._bound: ContextVar[Connection | None] = ContextVar("search_bound", default=None)
        self._pid = os.getpid()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<PostgresBackend {self.engine.url.render_as_string(hide_password=True)}>"

    # Searching

    def search(self, query: SearchQuery) -> SearchPage:
        validate_paging(query)
        text = clean_query_text(query.text)
        plan = self._plan(text)
        queries = tsqueries(plan)
        strict = queries.strict()
        if strict is None:
            return SearchPage([], 0, query.page, query.per_page)

        def find(connection: Connection) -> tuple[Matches, bool, str | None]:
            found = self._execute(connection, strict, queries, query)
            relaxed = False
            if found.total == 0 and (wider := queries.relaxed()) is not None:
                found, relaxed = self._execute(connection, wider, queries, query), True
            suggested = None
            if found.total == 0 or relaxed:
                suggested = self._suggest(connection, plan, text)
            return found, relaxed, suggested

        found, relaxed, suggested = self._read(find)
        hits = [
            SearchHit(post_id, score, {"title": highlight_title(title, plan.highlight_terms)})
            for post_id, title, score in found.rows
        ]
        return SearchPage(
            hits, found.total, query.page, query.per_page, suggested, relaxed, found.estimated
        )

    def match_query(self, query: SearchQuery) -> str | None:
        """The tsquery a search matches posts with (all its words, filters included)."""
        queries = tsqueries(self._plan(query.text))
        strict = queries.strict()
        return None if strict is None else with_filters(queries.excluding(strict), query)

    def doc_count(self) -> int:
        return self._read(lambda connection: connection.scalar(COUNT_DOCUMENTS))

    def _execute(
        self, connection: Connection, tsquery: str, plan: QueryPlan, query: SearchQuery
    ) -> Matches:
        """One page of matches and the total; relevance ranks a bounded candidate set, and
        pages beyond it list the other matches newest first."""
        typed, typed_terms = plan.typed_rank()
        synonyms = plan.synonym_rank()
        excluded = plan.excluded_query()
        offset = (query.page - 1) * query.per_page
        params: dict[str, object] = {
            "query": with_filters(plan.excluding(tsquery), query),
            "typed": typed,
            "typed_terms": typed_terms,
            "count_limit": EXACT_COUNT_UP_TO + 1,
            "limit": query.per_page,
            "offset": offset,
        }
        if synonyms is not None:
            params["synonyms"], params["synonyms_terms"] = synonyms
        if query.sort == "newest":
            return matches_from(connection.execute(newest_statement(bool(synonyms)), params).all())
        params |= {
            "title_query": with_filters(tsquery, query),
            "candidates": CANDIDATES,
        }
        if excluded is not None:
            params["excluded"] = excluded
        shape = (synonyms is not None, excluded is not None)
        found = matches_from(connection.execute(relevance_statement(*shape), params).all())
        ranked = found.ranked or 0
        missing = query.per_page - len(found.rows)
        if missing == 0 or found.total <= ranked:
            return found
        params |= {"limit": missing, "offset": max(0, offset - ranked)}
        rest = connection.execute(unranked_statement(*shape), params).all()
        rows = found.rows + [(row.post_id, row.title, float(row.score or 0.0)) for row in rest]
        return Matches(rows, found.total, found.estimated, ranked)

    def _suggest(self, connection: Connection, plan: Plan, text: str) -> str | None:
        synonym_words = self._current_vocabulary().synonym_words
        asked = words_to_check(plan, synonym_words)
        words = sorted({word for _, _, word in asked})
        if not words:
            return None
        known = set(connection.scalars(KNOWN_WORDS, {"words": words}))
        unknown = [word for word in words if word not in known]
        if not unknown:
            return None
        close: dict[str, list[tuple[str, int]]] = {}
        for word, candidate, posts in connection.execute(CLOSE_WORDS, {"words": unknown}):
            close.setdefault(word, []).append((candidate, posts))

        def correct(word: str) -> str | None:
            if word in known:
                return None
            return closest_word(
                word, partial(commonest_within, word, close.get(word, [])), synonym_words
            )

        return suggestion(text, asked, correct)

    # Writing

    def index(self, docs: Iterable[SearchDocument]) -> None:
        docs = list(docs)
        if not docs:
            return
        with self._writing() as connection:
            self._require_built(connection)
            write_documents(connection, docs)

    def remove(self, post_ids: Iterable[int]) -> None:
        ids = sorted(set(post_ids))
        if not ids:
            return
        with self._writing() as connection:
            self._require_built(connection)
            delete_documents(connection, ids)

    def rebuild(self, docs: Iterable[SearchDocument]) -> int:
        """Fill and index new tables beside the old ones, then swap them in; returns the count."""
        with self._writing() as connection:
            connection.execute(sa.text("SET LOCAL statement_timeout = 0"))
            connection.execute(sa.text("SET LOCAL maintenance_work_mem = '256MB'"))
            connection.execute(sa.select(sa.func.pg_advisory_xact_lock(REBUILD_LOCK_KEY)))
            create_schema(connection)
            for statement in table_statements(STAGING_SUFFIX):
                connection.execute(sa.text(statement))
            count = 0
            docs = iter(docs)
            while batch := list(islice(docs, WRITE_BATCH)):
                write_documents(connection, batch, STAGING_SUFFIX)
                count += len(batch)
            for statement in index_statements(STAGING_SUFFIX):
                connection.execute(sa.text(statement))
            for statement in swap_statements():
                connection.execute(sa.text(statement))
            connection.execute(
                sa.text(
                    f"INSERT INTO {STATE} (id, schema_version, built_at) VALUES (1, :v, now()) "
                    "ON CONFLICT (id) DO UPDATE SET schema_version = EXCLUDED.schema_version, "
                    "built_at = EXCLUDED.built_at"
                ),
                {"v": SCHEMA_VERSION},
            )
            connection.execute(sa.text(f"ANALYZE {DOCUMENTS}"))
            connection.execute(sa.text(f"ANALYZE {WORDS}"))
        return count

    def compact(self) -> None:
        """Recount the words from the documents, and vacuum the tables (after an erasure)."""
        with self._writing() as connection:
            self._require_built(connection)
            connection.execute(sa.text("SET LOCAL statement_timeout = 0"))
            connection.execute(RECOUNT_WORDS)
        if self._bound.get() is None:
            with self._guarded():
                autocommit = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
                with autocommit as connection:
                    connection.execute(sa.text("SET statement_timeout = 0"))
                    connection.execute(sa.text(f"VACUUM (ANALYZE) {DOCUMENTS}, {WORDS}"))

    @contextmanager
    def outbox_lock(self, *, wait: bool) -> Iterator[bool]:
        """An advisory lock held by the app session's transaction: it ends with the transaction
        (committed or rolled back on leaving, if the work did not end it already), also when
        the process or its connection dies, so no node ever leaves the index locked. A backend
        outside the app's database has no outbox to guard."""
        if not self._in_app_database():
            yield True
            return
        begin_writing(db.session())
        if wait:
            db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(OUTBOX_LOCK_KEY)))
        elif not db.session.scalar(sa.select(sa.func.pg_try_advisory_xact_lock(OUTBOX_LOCK_KEY))):
            yield False
            return
        try:
            yield True
        except BaseException:
            db.session.rollback()
            raise
        db.session.commit()

    def index_writes(self) -> AbstractContextManager[object]:
        """In the app's database, writes join the session's transaction in a savepoint, so
        they commit with the outbox-row delete and a failed one still lets the attempt be
        recorded."""
        return self._in_session_transaction() if self._in_app_database() else nullcontext()

    @contextmanager
    def _in_session_transaction(self) -> Iterator[None]:
        with db.session.begin_nested():
            token = self._bound.set(db.session.connection())
            try:
                yield
            finally:
                self._bound.reset(token)

    def _in_app_database(self) -> bool:
        bind = db.session.get_bind()
        return bind.dialect.name == "postgresql" and bind.url == self.engine.url

    # Health and lifecycle

    def check(self) -> None:
        def probe(connection: Connection) -> None:
            self._require_built(connection)
            connection.execute(sa.text(f"SELECT post_id FROM {DOCUMENTS} LIMIT 1")).all()
            connection.execute(sa.text(f"SELECT word FROM {WORDS} LIMIT 1")).all()
            connection.execute(sa.text("SELECT similarity('a', 'b')")).all()

        self._read(probe)

    def close(self) -> None:
        if self._owns_engine:
            self.engine.dispose()

    # Internals

    def _require_built(self, connection: Connection) -> None:
        version = connection.scalar(sa.text(f"SELECT schema_version FROM {STATE} WHERE id = 1"))
        if version is None:
            raise SearchUnavailable("The search index was never built; rebuild it.")
        if version != SCHEMA_VERSION:
            raise SearchUnavailable(
                f"The search index has schema {version!r}, the code expects "
                f"{SCHEMA_VERSION!r}; rebuild it."
            )

    def _read(self, work: Callable[[Connection], T]) -> T:
        """`work` in a short transaction of its own, under READ_SETTINGS. Connections are not
        pinged on checkout (that would be one more round trip): a read that finds its pooled
        connection dead, as after a PostgreSQL restart, runs once more on a new one, the pool
        having dropped every connection older than the failure."""
        self._after_fork()
        with self._guarded():
            try:
                return self._read_once(work)
            except DBAPIError as error:
                if not error.connection_invalidated:
                    raise
                log.info("search connection lost (%s); reading again on a new one", error.orig)
                return self._read_once(work)

    def _read_once(self, work: Callable[[Connection], T]) -> T:
        with self.engine.connect() as connection, connection.begin():
            connection.execute(READ_SETTINGS)
            return work(connection)

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        """The bound connection (its transaction stays open), or a transaction of our own."""
        bound = self._bound.get()
        if bound is not None:
            with self._guarded():
                yield bound
            return
        self._after_fork()
        with self._guarded(), self.engine.begin() as connection:
            yield connection

    @contextmanager
    def _guarded(self) -> Iterator[None]:
        """Database errors come out as SearchUnavailable, with what the database said."""
        try:
            yield
        except DBAPIError as error:
            problem = str(error.orig or error).strip().splitlines()[0]
            message = f"The search index in PostgreSQL cannot be used: {problem}"
            log.warning("%s", message)
            raise SearchUnavailable(message) from error

    def _after_fork(self) -> None:
        """A forked worker opens its own connections (never its parent's sockets); the app's
        engine is renewed by gunicorn's post_fork."""
        if self._owns_engine and self._pid != os.getpid():
            with self._lock:
                if self._pid != os.getpid():
                    self.engine.dispose(close=False)
                    self._pid = os.getpid()


def create_schema(connection: Connection) -> None:
    """The extension and tables, if missing (tests build schemas with `db.create_all()`)."""
    connection.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    connection.execute(sa.text(STATE_STATEMENT))
    for statement in [*table_statements(), *index_statements()]:
        connection.execute(sa.text(statement))


def write_documents(connection: Connection, docs: list[SearchDocument], suffix: str = "") -> None:
    """Upsert documents and move their words' counts from the rows they replace to the new
    ones; sorted, so two writers lock rows in one order."""
    docs = sorted(docs, key=lambda doc: doc.post_id)
    rows = [document_row(doc) for doc in docs]
    replaced = connection.execute(
        sa.text(
            f"SELECT words FROM {DOCUMENTS}{suffix} "
            "WHERE post_id = ANY(CAST(:ids AS integer[])) ORDER BY post_id FOR UPDATE"
        ),
        {"ids": [row["post_id"] for row in rows]},
    ).scalars()
    counts = Counter(word for row in rows for word in row["words"])
    counts.subtract(word for words in replaced for word in words)
    connection.execute(upsert_statements(suffix)[0], rows)
    count_words(connection, counts, suffix)


def delete_documents(connection: Connection, post_ids: list[int]) -> None:
    """Delete documents, and take their words off the counts."""
    gone = connection.execute(
        sa.text(
            f"DELETE FROM {DOCUMENTS} WHERE post_id = ANY(CAST(:ids AS integer[])) RETURNING words"
        ),
        {"ids": post_ids},
    ).scalars()
    counts: Counter[str] = Counter()
    counts.subtract(word for words in gone for word in words)
    count_words(connection, counts, "")


def count_words(connection: Connection, changes: Counter[str], suffix: str) -> None:
    """Add each word's change to its count; words no document holds any more are deleted."""
    words = sorted(word for word, change in changes.items() if change)
    if not words:
        return
    connection.execute(
        upsert_statements(suffix)[1],
        {
            "words": words,
            "lexemes": [stem(word) for word in words],
            "counts": [changes[word] for word in words],
        },
    )
    if any(changes[word] < 0 for word in words):
        connection.execute(
            sa.text(
                f"DELETE FROM {WORDS}{suffix} "
                "WHERE word = ANY(CAST(:words AS text[])) AND posts <= 0"
            ),
            {"words": [word for word in words if changes[word] < 0]},
        )


def commonest_within(word: str, candidates: list[tuple[str, int]], distance: int) -> list[str]:
    """The candidate within `distance` edits that most posts use (the first in order among
    equals), if any."""
    close = [
        (posts, candidate)
        for candidate, posts in candidates
        if edit_distance(word, candidate, distance) <= distance
    ]
    return [min(close, key=lambda item: (-item[0], item[1]))[1]] if close else []
