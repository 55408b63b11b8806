"""Template filters of the dashboard."""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def duration(seconds) -> str:
    """Seconds as a short duration: "45 s", "12 min", "3 h 05 min", "2 d 4 h"; "—" when unknown."""
    if seconds is None or seconds == "":
        return "—"
    seconds = int(round(float(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    minutes, _ = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


@register.filter
def age(moment) -> str:
    """How long ago ``moment`` was, as :func:`duration` writes it, in whole minutes: "< 1 min"
    under a minute (an idle board is rendered again once a minute, not every second)."""
    if moment is None:
        return "—"
    seconds = max((timezone.now() - moment).total_seconds(), 0)
    return "< 1 min" if seconds < 60 else duration(seconds)


@register.filter
def thousands(number) -> str:
    """A count with thousands separators: 100000 → "100,000"."""
    try:
        return f"{int(number):,}"
    except (TypeError, ValueError):
        return str(number)


@register.filter
def get_item(mapping, key):
    """``mapping[key]`` in a template (None when absent)."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


# A number no job id takes in practice: the card URL is reversed once with it and the real id
# put in its place (a reverse per card cost as much as the rest of the card).
_URL_SENTINEL = 987654321987


@lru_cache(maxsize=8)
def _job_url_template(script_prefix: str) -> str:
    return reverse("review:dashboard_job", args=[_URL_SENTINEL])


def job_url(pk: int) -> str:
    """The dashboard page of job ``pk`` (``reverse`` of review:dashboard_job)."""
    return _job_url_template(get_script_prefix()).replace(str(_URL_SENTINEL), str(int(pk)))


@register.simple_tag
def job_card(card) -> str:
    """One job card of the board (a ``review.selectors.Card``), as HTML, every value escaped.

    Written in Python rather than as a template: the board shows up to 250 cards, and the
    template engine spent most of the page's time on them (about 0.2 ms a card).
    """
    classes = f"card status-{card.status} prio-{card.priority}"
    classes += " needs-human" if card.waiting_for_human else ""
    classes += " archived" if card.archived else ""
    who = escape(card.client_name or "—") + (f" · {escape(card.project_name)}" if card.project_name else "")
    badges = (f'<span class="badge status-{escape(card.status)}" data-testid="card-status">'
              f'{escape(card.status_label)}</span>')
    if card.archived:
        badges += '<span class="badge archived" data-testid="card-archived">Archived</span>'
    if card.warnings_count:
        badges += f'<span class="warn-count" title="Open warnings">⚠ {int(card.warnings_count)}</span>'
    job_id = escape(card.job_id)
    return mark_safe(  # noqa: S308 - every value above is escaped or a number
        f'<li><a class="{escape(classes)}" href="{escape(job_url(card.id))}" data-job-id="{job_id}">'
        f'<span class="card-top"><strong class="job-id">{job_id}</strong>'
        f'<span class="prio">{escape(card.priority)}</span></span>'
        f'<span class="card-who">{who}</span>'
        f'<span class="card-bottom">{badges}<span class="age" title="Time in this stage">'
        f'{escape(age(card.stage_entered_at))}</span></span></a></li>'
    )
