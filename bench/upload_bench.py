"""Upload benchmark: how soon a 50,000-row CSV upload answers, and how soon its jobs are imported.

    .venv/bin/python bench/upload_bench.py [--rows 50000] [--database-url URL]

POSTs the CSV (over real files in a temp input root; the multipart body encoded beforehand)
to ``/api/batch/upload`` through Django's test client with a bearer token (after a first request,
so that the URL conf and the views are loaded, as in a running server), while a real ``qcluster`` (a subprocess, the ORM broker, as
``make run`` runs it) picks the import task up; then polls the batch as the dashboard's dialog
does (every 0.2 s here) until it is imported. Prints a table: the time until the upload
answered, until the rows were validated, until the jobs were imported (from the upload's
start), and how many distinct progress figures the polls saw. Uses a throw-away database (a
temp SQLite file unless --database-url is given). Targets here: answer < 1 s, imported < 10 s.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="aea-upload-bench-"))
    os.environ.update(DATA_DIR=str(tmp / "data"), INPUT_ROOTS=str(tmp / "in"), DEBUG="1",
                      ALLOWED_HOSTS="testserver,127.0.0.1,localhost", LOG_LEVEL="WARNING",
                      DATABASE_URL=args.database_url or f"sqlite:///{tmp / 'bench.sqlite3'}",
                      Q_WORKERS="1", DJANGO_SETTINGS_MODULE="aeautomation.settings")

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

    from batches.models import Batch
    from jobs.demo import write_demo_inputs
    from jobs.models import Job
    from review.api_auth import api_token_create

    call_command("migrate", verbosity=0)
    user = get_user_model().objects.filter(username="bench").first() or get_user_model().objects.create_superuser(
        "bench", "bench@example.com", "pw-bench")
    Job.objects.all().update(archived=True)  # a reused database keeps older job ids
    token = api_token_create(user=user, name="bench").raw

    inputs = write_demo_inputs(tmp / "in")
    run = time.strftime("%H%M%S")
    header = "job_id,psd_path,aepx_path,output_name,client_name,project_name,priority,notes\n"
    lines = [
        f"U{run}-{i:06d},{inputs.psd.name},{inputs.template.name},out_{i:06d}.aep,Client {i % 37},"
        f"Project {i % 11},{('high', 'medium', 'low')[i % 3]},row {i}\n"
        for i in range(args.rows)
    ]
    data = (header + "".join(lines)).encode()

    log = open(tmp / "qcluster.log", "wb")
    worker = subprocess.Popen([sys.executable, str(REPO / "manage.py"), "qcluster"], cwd=REPO, env=os.environ,
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        time.sleep(3)  # the cluster up and polling
        client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        assert client.get("/api/dashboard/stats").status_code == 200  # a server that has answered before
        # The body encoded beforehand, as a client sends it: the time is the server's answer.
        body = encode_multipart(BOUNDARY, {"csv_file": SimpleUploadedFile("bench.csv", data, "text/csv")})
        t0 = time.perf_counter()
        response = client.generic("POST", "/api/batch/upload", body, content_type=MULTIPART_CONTENT)
        answer_s = time.perf_counter() - t0
        assert response.status_code == 202, response.content[:500]
        batch_id = response.json()["batch_id"]
        connection.close()  # each poll reads what the worker committed

        progress, validated_s, deadline = set(), None, t0 + 300
        while True:
            batch = Batch.objects.values("import_state", "rows_validated", "row_count").get(pk=batch_id)
            if batch["import_state"] == Batch.ImportState.VALIDATING:
                progress.add(batch["rows_validated"])
            elif validated_s is None:
                validated_s = time.perf_counter() - t0
            if batch["import_state"] in (Batch.ImportState.IMPORTED, Batch.ImportState.INVALID):
                imported_s = time.perf_counter() - t0
                break
            if time.perf_counter() > deadline:
                raise SystemExit(f"not imported after 300 s: {batch}; see {tmp / 'qcluster.log'}")
            time.sleep(0.2)
        assert batch["import_state"] == Batch.ImportState.IMPORTED, Batch.objects.get(pk=batch_id).report
        jobs = Job.objects.filter(batch_id=batch_id).count()
        assert jobs == args.rows, jobs
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)

    vendor = connection.vendor
    met = "met" if answer_s < 1 and imported_s < 10 else "MISSED"
    print(f"\nUpload benchmark ({vendor}, {args.rows:,} rows over 2 real files, one qcluster worker)\n")
    print(f"| {'database':<10} | {'rows':>7} | {'answer s':>8} | {'validated s':>11} | {'imported s':>10} "
          f"| {'progress figures seen':>21} | target < 1 s / < 10 s |")
    print(f"|{'-' * 12}|{'-' * 9}|{'-' * 10}|{'-' * 13}|{'-' * 12}|{'-' * 23}|{'-' * 24}|")
    print(f"| {vendor:<10} | {args.rows:>7,} | {answer_s:>8.2f} | {validated_s:>11.2f} | {imported_s:>10.2f} "
          f"| {len(progress):>21} | {met:<22} |")


if __name__ == "__main__":
    main()
