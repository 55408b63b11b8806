"""The work of the automatic stages, one module each: :mod:`.ingest` (Stage 1),
:mod:`.preview` (Stage 3) and :mod:`.deploy` (Stage 4).

Each exposes one function taking a claimed :class:`~jobs.models.Job` and returning an
:class:`~jobs.stages.base.Outcome`; :mod:`jobs.runner` claims the job, calls it outside any
transaction and stores the outcome with the completing move. The stages share only
:mod:`.base` and never import each other.
"""
