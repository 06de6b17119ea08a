from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Date, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.models.enums import in_list

MISS_BANDS = ("none", "few")
MAX_MISS_QUERY_LENGTH = 100


class SearchMiss(Base):
    """How often, on one day, a search found nothing or little (app.search.insights).

    Deliberately holds no account, address, session or time finer than the day: only the
    normalised words, the band of the result count, and a tally.
    """

    __tablename__ = "search_misses"
    __table_args__ = (CheckConstraint(in_list("band", MISS_BANDS), name="band"),)

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    query: Mapped[str] = mapped_column(String(MAX_MISS_QUERY_LENGTH), primary_key=True)
    band: Mapped[str] = mapped_column(String(8))
    occurrences: Mapped[int] = mapped_column(default=1)
