"""Template filters of the dashboard."""

from __future__ import annotations

from django import template
from django.utils import timezone

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
