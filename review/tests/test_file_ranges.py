"""Byte ranges of stored files (review/file_ranges.py): what a ``<video>`` asks for to seek.

Through the one file view (``review:asset``) with Django's test client: single ranges give 206
with the exact bytes, past the end 416, anything else the whole file; who may ask is checked as
before, Range or not.
"""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from jobs.models import JobAsset, Stage, Status
from review.file_ranges import UNSATISFIABLE, parse_range

DATA = bytes(range(256)) * 40  # 10 240 bytes, every offset's byte known
SIZE = len(DATA)


@pytest.fixture
def video(make_job) -> JobAsset:
    job = make_job(stage=Stage.APPROVE_PREVIEW, status=Status.AWAITING_APPROVAL, job_id="MOV-1")
    name = default_storage.save("motion/side.mp4", ContentFile(DATA))
    return JobAsset.objects.create(job=job, stage=Stage.APPROVE_PREVIEW, kind="side_by_side", key="", file=name,
                                   sha256="1" * 64, size=SIZE,
                                   metadata={"file_name": "side.mp4", "content_type": "video/mp4"})


def get(client, asset, **headers):
    return client.get(reverse("review:asset", args=[asset.pk]), headers=headers)


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.parametrize(("header", "expected"), [
    ("bytes=0-99", (0, 99)),
    ("bytes=100-", (100, SIZE - 1)),
    ("bytes=-100", (SIZE - 100, SIZE - 1)),
    ("bytes=-999999", (0, SIZE - 1)),  # a suffix longer than the file: all of it
    ("bytes=10-999999", (10, SIZE - 1)),  # past the end: up to the end
    ("Bytes = 5 - 6", (5, 6)),
    (f"bytes={SIZE - 1}-", (SIZE - 1, SIZE - 1)),
    (f"bytes={SIZE}-", UNSATISFIABLE),
    ("bytes=-0", UNSATISFIABLE),
    ("bytes=0-1,5-6", None),  # several ranges: the whole file
    ("bytes=9-3", None),
    ("bytes=-", None),
    ("items=0-1", None),
    ("bytes=abc", None),
    ("", None),
    (None, None),
])
def test_parse_range(header, expected):
    assert parse_range(header, SIZE) == expected


def test_an_empty_file_has_no_satisfiable_range():
    assert parse_range("bytes=0-", 0) == UNSATISFIABLE
    assert parse_range("bytes=-5", 0) == UNSATISFIABLE


@pytest.mark.django_db
def test_the_whole_file_says_it_accepts_ranges(client, reviewer, video):
    client.force_login(reviewer)
    response = get(client, video)
    assert response.status_code == 200
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Type"] == "video/mp4"
    assert response["Content-Length"] == str(SIZE)
    assert response["Content-Disposition"] == 'inline; filename="MOV-1_side_by_side.mp4"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert body(response) == DATA


@pytest.mark.django_db
@pytest.mark.parametrize(("header", "first", "last"), [
    ("bytes=0-0", 0, 0),
    ("bytes=1000-5095", 1000, 5095),  # more than one FileResponse block
    ("bytes=9000-", 9000, SIZE - 1),
    ("bytes=-300", SIZE - 300, SIZE - 1),
    ("bytes=10000-20000", 10000, SIZE - 1),
])
def test_one_range_is_partial_content(client, reviewer, video, header, first, last):
    client.force_login(reviewer)
    response = get(client, video, range=header)
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {first}-{last}/{SIZE}"
    assert response["Content-Length"] == str(last - first + 1)
    assert response["Content-Type"] == "video/mp4"
    assert response["Accept-Ranges"] == "bytes"
    assert body(response) == DATA[first:last + 1]


@pytest.mark.django_db
@pytest.mark.parametrize("header", [f"bytes={SIZE}-", f"bytes={SIZE + 5}-{SIZE + 10}", "bytes=-0"])
def test_a_range_past_the_end_is_unsatisfiable(client, reviewer, video, header):
    client.force_login(reviewer)
    response = get(client, video, range=header)
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{SIZE}"
    assert response.content == b""


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["bytes=0-1,5-6", "bytes=9-3", "lines=0-1", "bytes=x-y", "bytes"])
def test_several_or_malformed_ranges_get_the_whole_file(client, reviewer, video, header):
    client.force_login(reviewer)
    response = get(client, video, range=header)
    assert response.status_code == 200
    assert response["Content-Length"] == str(SIZE)
    assert "Content-Range" not in response
    assert body(response) == DATA


@pytest.mark.django_db
def test_if_range_gets_the_whole_file(client, reviewer, video):
    """No ETag or Last-Modified is sent, so no If-Range validator can match: the whole file."""
    client.force_login(reviewer)
    response = get(client, video, range="bytes=0-9", if_range='"abc"')
    assert response.status_code == 200
    assert body(response) == DATA


@pytest.mark.django_db
def test_a_range_changes_nothing_about_who_may_read(client, outsider, video, django_user_model):
    anonymous = get(client, video, range="bytes=0-9")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("admin:login"))
    client.force_login(outsider)  # staff without jobs.view_job: not told the file exists
    assert get(client, video, range="bytes=0-9").status_code == 404
    assert get(client, video, range=f"bytes={SIZE}-").status_code == 404


@pytest.mark.django_db
def test_a_missing_file_is_404_with_a_range(client, reviewer, video):
    default_storage.delete(video.file.name)
    client.force_login(reviewer)
    response = get(client, video, range="bytes=0-9")
    assert response.status_code == 404
