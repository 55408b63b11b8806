"""django-q2's brokers, with the reaper run from the cluster's own poll.

django-q2 checks its schedules every 30 s, so a once-a-minute reaper runs 60 to 90 s apart;
with the lease's minute that would leave a dead cluster's jobs waiting up to 2.5 minutes. A
cluster's pusher asks its broker for work every ``poll`` seconds while it has room for more;
these brokers run the reaper (:func:`jobs.reaper.reap_expired_leases`) from that call, at most
every ``AEA_REAP_SECONDS`` per cluster. A cluster that has just started, or that waits idle,
therefore takes back a dead cluster's work within seconds of its lease running out; the
minute schedule stays as the backstop. The reaper's moves are conditional UPDATEs, so several
clusters reaping at once do each thing once.

Selected by ``Q_CLUSTER["broker_class"]`` in the settings; web processes use the same classes
to enqueue, which never reaps.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django_q.brokers.orm import ORM
from django_q.brokers.redis_broker import Redis

log = logging.getLogger(__name__)


class ReapingBroker:
    """Mixin: ``dequeue`` first runs the reaper when ``AEA_REAP_SECONDS`` have passed."""

    _last_reap = float("-inf")

    def dequeue(self):
        now = time.monotonic()
        if now - self._last_reap >= settings.AEA_REAP_SECONDS:
            self._last_reap = now
            reap_quietly()
        return super().dequeue()


def reap_quietly() -> dict | None:
    """Run the reaper; an error is logged, never raised (it would stop the cluster's pusher)."""
    from .reaper import reap_expired_leases

    try:
        counts = reap_expired_leases()
    except Exception:  # noqa: BLE001  (the database is away: the next poll tries again)
        log.exception("the reaper failed; it runs again at the next poll")
        return None
    if any(counts.values()):
        log.info("reaper: %s", counts)
    return counts


class ReapingORM(ReapingBroker, ORM):
    """The ORM broker (the default; PostgreSQL or SQLite), reaping from its poll."""


class ReapingRedis(ReapingBroker, Redis):
    """The Redis broker (optional), reaping from its poll."""
