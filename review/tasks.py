"""django-q2 tasks of the review app: plain importable functions, each calling one service."""

from .notifications import send_due_digests


def send_digests() -> dict:
    """Send the email digests that are due (every minute, from the schedule in migration 0002)."""
    return send_due_digests()
