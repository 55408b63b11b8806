"""The queues of the two human gates (Stage 2 matching review, Stage 3 preview approval), read
for the review pages' "approve and next", their j/k shortcuts and the Stage 3 contact sheet.

A gate's queue is its active jobs awaiting it in queue order (priority, then oldest:
:data:`review.selectors.QUEUE_ORDER`); neighbours are found by keyset comparison on that order,
one query each (one index seek per case of the keyset), served by the ``job_active_queue`` index
whatever the queue's length.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import redirect
from django.urls import reverse

from jobs.models import Job, Stage, Status

from .selectors import QUEUE_ORDER, active_jobs

# The gate a job waits at: its stage, the status it waits in, the permission its approval needs.
GATES = {
    Stage.REVIEW_MATCHING: (Status.AWAITING_REVIEW, "jobs.approve_matching", "matching review"),
    Stage.APPROVE_PREVIEW: (Status.AWAITING_APPROVAL, "jobs.approve_preview", "preview approval"),
}


def gate_of(job: Job) -> int | None:
    """The gate stage ``job`` belongs to (by its stage, waiting or not), or None."""
    return job.stage if job.stage in GATES else None


def gate_queue(stage: int) -> QuerySet[Job]:
    """The active jobs awaiting the gate ``stage``, in queue order."""
    status = GATES[stage][0]
    return active_jobs().filter(stage=stage, status=status).order_by(*QUEUE_ORDER)


def _first_of(job: Job, *queues: QuerySet[Job]) -> int | None:
    """The pk of the first job of the first non-empty queue, in one query: each queue a scalar
    subquery (ORDER BY … LIMIT 1), so each is one seek into ``job_active_queue``. (An OR of
    the keyset's three cases is no index range to SQLite: it read the gate's whole queue,
    0.4 s a neighbour with 200,000 jobs waiting.)"""
    found = Coalesce(*(Subquery(queue.values("pk")[:1]) for queue in queues))
    return Job.objects.filter(pk=job.pk).annotate(found=found).values_list("found", flat=True).first()


def next_at_gate(job: Job, stage: int) -> int | None:
    """The job after ``job`` in the gate's queue, else the queue's first (jobs passed over
    earlier), never ``job`` itself; None when nothing else waits."""
    queue = gate_queue(stage).exclude(pk=job.pk)
    rank, created, pk = job.priority_rank, job.created_at, job.pk
    return _first_of(
        job,
        queue.filter(priority_rank=rank, created_at=created, id__gt=pk),
        queue.filter(priority_rank=rank, created_at__gt=created),
        queue.filter(priority_rank__gt=rank),
        queue,
    )


def previous_at_gate(job: Job, stage: int) -> int | None:
    """The job before ``job`` in the gate's queue (None at its head)."""
    queue = gate_queue(stage).exclude(pk=job.pk).order_by(*(f"-{name}" for name in QUEUE_ORDER))
    rank, created, pk = job.priority_rank, job.created_at, job.pk
    return _first_of(
        job,
        queue.filter(priority_rank=rank, created_at=created, id__lt=pk),
        queue.filter(priority_rank=rank, created_at__lt=created),
        queue.filter(priority_rank__lt=rank),
    )


def gate_nav(job: Job, url_name: str, *, user) -> dict | None:
    """What a review page's gate navigation shows (links by ``url_name``), or None for a job
    that is not at a gate or a user who may not approve there."""
    stage = gate_of(job)
    if stage is None or not user.has_perm(GATES[stage][1]):
        return None
    nxt, prev = next_at_gate(job, stage), previous_at_gate(job, stage)
    return {
        "stage": stage,
        "label": GATES[stage][2],
        "next_url": reverse(url_name, args=[nxt]) if nxt else "",
        "prev_url": reverse(url_name, args=[prev]) if prev else "",
        "waiting": job.status == GATES[stage][0],
        "count": gate_queue(stage).count(),
    }


def wants_next(request) -> bool:
    """Whether a posted action asked to open the next job at its gate ("approve and next": the
    button's ``formaction`` adds ``?next=1``)."""
    return request.method == "POST" and request.GET.get("next") == "1"


def redirect_to_next(request, job: Job, *, url_name: str, fallback: str):
    """After an approval of ``job`` (as it was before it moved): the next job awaiting the same
    gate in queue order, or ``fallback`` with a message when none is left."""
    stage = gate_of(job)
    nxt = next_at_gate(job, stage) if stage is not None else None
    if nxt is None:
        label = GATES[stage][2] if stage is not None else "review"
        messages.info(request, f"No other job awaits {label}.")
        return redirect(fallback)
    return redirect(url_name, nxt)


def admin_list_url(job: Job) -> str:
    """The admin's job list of the job's gate (where "approve and next" ends)."""
    status = GATES.get(job.stage, (job.status,))[0]
    return reverse("admin:jobs_job_changelist") + f"?stage__exact={job.stage}&status__exact={status}"


def dashboard_list_url(job: Job) -> str:
    """The dashboard's list of the job's gate: the contact sheet for Stage 3, else the board."""
    if job.stage == Stage.APPROVE_PREVIEW:
        return reverse("review:contact_sheet")
    return reverse("review:dashboard")
