"""django-q2 tasks of batches: plain importable functions taking ids, each calling one service."""


def import_uploaded_batch(batch_id: int) -> str:
    """Validate and import an uploaded batch (safe to run twice); its import state at the end."""
    from .services import batch_import_uploaded

    batch = batch_import_uploaded(batch_id=batch_id)
    return batch.import_state if batch is not None else "gone"
