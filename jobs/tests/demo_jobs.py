"""The demo batch as tests use it: its input files, an input root holding them, three rows and
a helper that imports and starts them (fixtures registered in ``jobs/tests/conftest.py``)."""

import pytest

from jobs.demo import batch_csv, write_demo_inputs  # plain Python: the format tests run without Django too


@pytest.fixture(scope="session")
def demo_inputs(tmp_path_factory):
    return write_demo_inputs(tmp_path_factory.mktemp("inputs") / "demo")


@pytest.fixture
def input_root(settings, demo_inputs):
    root = demo_inputs.template.parent.parent
    settings.INPUT_ROOTS = [root.resolve()]
    return root


def import_and_start(user, rows, django_capture_on_commit_callbacks):
    from batches.services import batch_import, batch_start

    data = batch_csv(rows, folder="demo").encode()
    result = batch_import(data=data, filename="demo.csv", user=user)
    assert result.ok, result.report.errors
    with django_capture_on_commit_callbacks(execute=True):
        batch_start(batch=result.batch, user=user)
    return result


ROWS = [
    ("J-1", "gameday-avery.psd", "Thunder", "Week 1", "high"),
    ("J-2", "gameday-chen.psd", "Comets", "Week 1", "medium"),
    ("J-3", "gameday-avery.psd", "Thunder", "Week 2", "low"),
]
