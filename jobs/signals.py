"""Signals of the job pipeline.

``stage_changed`` is sent by :func:`jobs.transitions.job_transition` inside its transaction,
with ``job`` (fresh from the database), ``action``, ``user`` (None for the system),
``from_state`` and ``to_state`` (``(stage, status)`` pairs) and ``log`` (the audit row). Receivers that start background
work must do it with ``transaction.on_commit``.
"""

from django.dispatch import Signal

stage_changed = Signal()

# Sent by :func:`jobs.transitions.jobs_bulk_transition` inside its transaction, once for many
# jobs that made the same move: ``jobs`` (fresh, with their batches), ``action``, ``user``,
# ``from_state``, ``to_state`` and ``logs`` (the audit rows by job primary key). Every receiver
# of ``stage_changed`` has a ``jobs_moved`` twin doing the same for all the jobs at once.
jobs_moved = Signal()
