"""Signals of the job pipeline.

``stage_changed`` is sent by :func:`jobs.transitions.job_transition` inside its transaction,
with ``job`` (fresh from the database), ``action``, ``user`` (None for the system),
``from_state`` and ``to_state`` (``(stage, status)`` pairs) and ``log`` (the audit row). Receivers that start background
work must do it with ``transaction.on_commit``.
"""

from django.dispatch import Signal

stage_changed = Signal()
