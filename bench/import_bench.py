"""Stage 0 benchmark: validate and import a 10,000-row CSV over real files in a temp input root.

    .venv/bin/python bench/import_bench.py [--rows 10000] [--database-url URL]

Prints a table: rows, validation time, import time (validate + write), rows/s and the number
of queries. Uses a throw-away database (a temp SQLite file unless --database-url is given).
Target here: 10,000 rows imported in under 3 s.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="aea-bench-"))
    os.environ["DATA_DIR"] = str(tmp / "data")
    os.environ["INPUT_ROOTS"] = str(tmp / "in")
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{tmp / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aeautomation.settings")

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from batches.services import batch_import, batch_validate
    from jobs.demo import write_demo_inputs
    from jobs.models import Job

    call_command("migrate", verbosity=0)
    user, _ = get_user_model().objects.get_or_create(username="bench")
    Job.objects.all().update(archived=True)  # a reused database keeps older job ids

    inputs = write_demo_inputs(tmp / "in")
    run = time.strftime("%H%M%S")
    header = "job_id,psd_path,aepx_path,output_name,client_name,project_name,priority,notes\n"
    lines = [
        f"B{run}-{i:06d},{inputs.psd.name},{inputs.template.name},out_{i:06d}.aep,Client {i % 37},"
        f"Project {i % 11},{('high', 'medium', 'low')[i % 3]},row {i}\n"
        for i in range(args.rows)
    ]
    data = (header + "".join(lines)).encode()

    t0 = time.perf_counter()
    report = batch_validate(data=data)
    validate_s = time.perf_counter() - t0
    assert report.ok, report.errors[:5]

    with CaptureQueriesContext(connection) as queries:
        t0 = time.perf_counter()
        result = batch_import(data=data, filename="bench.csv", user=user)
        import_s = time.perf_counter() - t0
    assert result.ok and len(result.job_ids) == args.rows

    vendor = connection.vendor
    print(f"\nStage 0 import benchmark ({vendor}, {args.rows:,} rows over 2 real files)\n")
    print(f"| {'database':<10} | {'rows':>7} | {'validate s':>10} | {'import s':>8} | {'rows/s':>8} | {'queries':>7} | target < 3 s |")
    print(f"|{'-' * 12}|{'-' * 9}|{'-' * 12}|{'-' * 10}|{'-' * 10}|{'-' * 9}|{'-' * 14}|")
    print(
        f"| {vendor:<10} | {args.rows:>7,} | {validate_s:>10.2f} | {import_s:>8.2f} | "
        f"{args.rows / import_s:>8,.0f} | {len(queries):>7} | {'met' if import_s < 3 else 'MISSED':<12} |"
    )


if __name__ == "__main__":
    main()
