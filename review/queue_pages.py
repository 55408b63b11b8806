"""Pages of a stage's queue for the API: keyset pagination (an opaque cursor of the last row's
(priority_rank, created_at, id)), so that the next page costs the same however deep it is;
page numbers still work for the first COUNT_CAP rows."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, replace
from datetime import datetime

from django.db import connections
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from jobs.models import Job
from jobs.search import search_queue

from . import selectors
from .selectors import (
    CARD_FIELDS,
    COUNT_CAP,
    QUEUE_ORDER,
    Card,
    JobFilters,
    _cards,
    _rows_by_id,
    capped_stage_counts,
    counted_by_table,
    id_or_none,
    jobs_filtered,
    table_stage_counts,
)

# The deepest row a page number reaches (page * page_size); deeper, follow the cursors.
MAX_OFFSET = COUNT_CAP


@dataclass
class Page:
    """One page of a list: the total (``count_exact`` False: capped at COUNT_CAP), where this page
    is (``page`` None when reached by a cursor), its rows, and the cursor of the next page."""

    count: int
    page: int | None
    page_size: int
    results: list[Card]
    next_cursor: str | None = None
    count_exact: bool = True

    @property
    def pages(self) -> int:
        return max((self.count + self.page_size - 1) // self.page_size, 1)


class BadCursor(ValueError):
    """A ``cursor`` that is not one this API handed out."""


CURSOR_VERSION = 1


@dataclass(frozen=True)
class QueueCursor:
    """Where a stage's queue continues: after the row of this (priority_rank, created_at, id)."""

    stage: int
    priority_rank: int
    created_at: datetime
    id: int

    def encode(self) -> str:
        data = [CURSOR_VERSION, self.stage, self.priority_rank, self.created_at.isoformat(), self.id]
        return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str, *, stage: int) -> QueueCursor:
        """The cursor ``text`` names, for ``stage``; :class:`BadCursor` when it is not one."""
        try:
            raw = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
            version, cursor_stage, rank, created, pk = json.loads(raw.decode())
        except (binascii.Error, UnicodeDecodeError, ValueError, TypeError) as exc:
            raise BadCursor("The cursor is not one this API handed out (use a list's 'next' as is).") from exc
        if version != CURSOR_VERSION:
            raise BadCursor("The cursor is of another version of the API: start again from the first page.")
        moment = parse_datetime(created) if isinstance(created, str) else None
        if (not isinstance(rank, int) or isinstance(rank, bool) or not 0 <= rank <= 32767 or moment is None
                or timezone.is_naive(moment) or id_or_none(pk) is None or not isinstance(pk, int)
                or not isinstance(cursor_stage, int)):
            raise BadCursor("The cursor is not one this API handed out (use a list's 'next' as is).")
        if cursor_stage != stage:
            raise BadCursor(f"The cursor is of stage {cursor_stage}'s list, not stage {stage}'s.")
        return cls(stage=stage, priority_rank=rank, created_at=moment, id=pk)

    def after(self, qs: QuerySet[Job]) -> QuerySet[Job]:
        """The rows of ``qs`` after this one in queue order: a row-value comparison, one range of
        the index job_active_queue (stage, priority_rank, created_at, id)."""
        db = connections[qs.db]
        table = db.ops.quote_name(Job._meta.db_table)
        columns = ", ".join(f"{table}.{db.ops.quote_name(Job._meta.get_field(name).column)}" for name in QUEUE_ORDER)
        params = [self.priority_rank, db.ops.adapt_datetimefield_value(self.created_at), self.id]
        return qs.filter(RawSQL(f"({columns}) > (%s, %s, %s)", params, output_field=BooleanField()))


def jobs_in_stage_page(*, stage: int, filters: JobFilters, page_size: int, page: int = 1,
                       cursor: QueueCursor | None = None) -> Page:
    """One page of the stage's jobs, by priority then age (three queries): the page'th, or the
    one after ``cursor`` (keyset: the next page costs the same however deep it is). The count
    comes from the kept state counts when the filters allow, else is capped at COUNT_CAP (a
    search's at jobs.search.COUNT_CAP, from its one pass over the matches)."""
    # The stage's jobs as a queryset, read unless this is a search's first page (which the one pass
    # below lists); not built then, as on SQLite building a searched one asks the FTS table.
    qs = None if filters.q and cursor is None else jobs_filtered(filters).filter(stage=stage)
    start = 0 if cursor is not None else (page - 1) * page_size
    if filters.q:  # the search's one pass (jobs.search.search_queue) counts, and lists a numbered page
        base = jobs_filtered(replace(filters, q="", archived="include"))
        hit = search_queue(base, filters.q, stages=[stage], offset=start, limit=0 if cursor else page_size + 1,
                           archived=selectors.ARCHIVED_SCOPE[filters.archived])[stage]
        count, exact = hit.count, not hit.capped
        if cursor is None:
            rows = _rows_by_id({stage: hit.ids}, extra=("priority_rank", "created_at"))[stage]
    elif counted_by_table(filters):
        count, exact = table_stage_counts(filters).get(stage, 0), True
    else:
        count = capped_stage_counts(qs, [stage]).get(stage, 0)
        exact = count < selectors.COUNT_CAP
    if cursor is not None or not filters.q:
        ordered = qs.order_by(*QUEUE_ORDER)
        if cursor is not None:
            ordered = cursor.after(ordered)
        rows = list(ordered.values(*CARD_FIELDS, "priority_rank", "created_at")[start : start + page_size + 1])
    more = len(rows) > page_size
    rows = rows[:page_size]
    keys = [(row.pop("priority_rank"), row.pop("created_at")) for row in rows]
    next_cursor = None
    if more:
        (rank, created), last = keys[-1], rows[-1]
        next_cursor = QueueCursor(stage=stage, priority_rank=rank, created_at=created, id=last["id"]).encode()
    return Page(count=count, page=None if cursor is not None else page, page_size=page_size, results=_cards(rows),
                next_cursor=next_cursor, count_exact=exact)
