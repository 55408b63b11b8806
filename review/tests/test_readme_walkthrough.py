"""The README's API walk-through, run as written against what `make run` runs.

The test does what `make run` does (migrate, setup_demo, serve: runserver and a qcluster) in a
throw-away data folder, then runs the README's shell block with bash, unchanged but for BASE
(the server's address), and checks where the job ended up.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.cluster]


def walkthrough() -> str:
    """The shell block of the README's JSON API section that starts with the token."""
    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("## JSON API"):]
    section = section[: section.index("\n## ", 5)]
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.S)
    [block] = [b for b in blocks if "create_api_token" in b]
    return block


def answers(output: str) -> list:
    """The JSON documents curl printed one after another (without newlines between them)."""
    decoder, found, i = json.JSONDecoder(), [], 0
    while (i := output.find("{", i)) >= 0:
        document, i = decoder.raw_decode(output, i)
        found.append(document)
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_readme_api_walkthrough_runs_as_written(tmp_path):
    if not (REPO / ".venv" / "bin" / "activate").exists():
        pytest.skip("the walk-through activates .venv, which `make run`/`make test` create")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update(DEBUG="1", DATA_DIR=str(tmp_path / "data"), LOG_LEVEL="WARNING")
    env.pop("DATABASE_URL", None)  # the embedded default, as `make run`
    manage = [sys.executable, str(REPO / "manage.py")]
    for command in (["migrate", "--noinput"], ["setup_demo"]):
        subprocess.run([*manage, *command], cwd=REPO, env=env, check=True, capture_output=True, timeout=300)
    port = free_port()
    log = open(tmp_path / "serve.log", "wb")
    server = subprocess.Popen([*manage, "serve", "--port", str(port)], cwd=REPO, env=env, stdout=log,
                              stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/admin/login/", timeout=2)  # noqa: S310 (our own server)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise AssertionError((tmp_path / "serve.log").read_text()) from None
                time.sleep(0.3)
        run = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", walkthrough()], cwd=REPO,
                             env={**env, "BASE": base}, capture_output=True, text=True, timeout=600)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
    assert run.returncode == 0, (run.stdout[-3000:], run.stderr[-3000:])
    job = answers(run.stdout)[-1]  # what the last command printed
    assert job["job_id"] == "SAMPLE-001"
    assert job["stage"] == 4 and job["status"] in ("completed", "awaiting_signoff"), (job["stage"], job["status"])
