"""Tests of jobs.integrations.nexrender against a REAL nexrender-server.

The server is ``@nexrender/server`` installed in jobs/tests/nexrender_server (``npm ci --prefix
jobs/tests/nexrender_server``), started by that folder's serve.js on 127.0.0.1 with a free port,
a secret and its database file (``NEXRENDER_DATABASE``) in a temporary folder. The tests are
skipped (``needs_server``) when node or those node_modules are missing; the tests of
timeouts, non-nexrender answers and URL checks need no node.
"""

from __future__ import annotations

import http.server
import json
import os
import secrets
import selectors
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from jobs.formats.nexrender import FootageAsset, TextAsset, nexrender_job
from jobs.integrations.nexrender import NexrenderClient, NexrenderError

SERVER_DIR = Path(__file__).resolve().parents[1] / "nexrender_server"
NODE = shutil.which("node")
START_SECONDS = 30

needs_server = pytest.mark.skipif(
    NODE is None or not (SERVER_DIR / "node_modules" / "@nexrender" / "server").is_dir(),
    reason="needs node and jobs/tests/nexrender_server/node_modules "
           "(run: npm ci --prefix jobs/tests/nexrender_server)",
)


class NexrenderServer:
    """One nexrender-server process on 127.0.0.1, its database and log in ``workdir``."""

    def __init__(self, workdir: Path, secret: str):
        self.workdir = workdir
        self.secret = secret
        self.database = workdir / "database.json"
        self.log_path = workdir / "server.log"
        self.proc: subprocess.Popen | None = None
        self.url = ""

    def start(self) -> NexrenderServer:
        """Start the server and return once it answers its health route (bounded by START_SECONDS)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEXRENDER_")}
        env.update(NEXRENDER_DATABASE=str(self.database), HOME=str(self.workdir))
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen([NODE, "serve.js", "0", self.secret], cwd=SERVER_DIR, env=env,
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log)
        deadline = time.monotonic() + START_SECONDS
        ready = json.loads(self._ready_line(deadline))
        assert ready["host"] == "127.0.0.1"
        self.url = f"http://127.0.0.1:{ready['port']}"
        self._wait_healthy(deadline)
        return self

    def _ready_line(self, deadline: float) -> bytes:
        """The one line serve.js prints once listening, read without blocking past the deadline."""
        buffer = b""
        with selectors.DefaultSelector() as selector:
            selector.register(self.proc.stdout, selectors.EVENT_READ)
            while b"\n" not in buffer:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not selector.select(remaining):
                    self.fail(f"did not report listening within {START_SECONDS} s")
                chunk = os.read(self.proc.stdout.fileno(), 4096)
                if not chunk:
                    self.fail("exited before listening")
                buffer += chunk
        return buffer.split(b"\n", 1)[0]

    def _wait_healthy(self, deadline: float) -> None:
        """Poll GET /api/v1/health until it answers; between tries, wait on the process itself."""
        client = NexrenderClient(self.url, self.secret, timeout=2)
        while True:
            try:
                client.health()
                return
            except NexrenderError as error:
                last = error
            if time.monotonic() >= deadline:
                self.fail(f"did not answer within {START_SECONDS} s: {last}")
            try:
                self.proc.wait(timeout=0.05)
                self.fail("exited while starting")
            except subprocess.TimeoutExpired:
                pass

    def fail(self, what: str):
        self.stop()
        log = self.log_path.read_text(errors="replace")[-2000:]
        pytest.fail(f"nexrender-server {what}; its log:\n{log}")

    def stop(self) -> None:
        """SIGTERM (serve.js closes the server and exits), SIGKILL if it lingers; close the pipes."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        for pipe in (self.proc.stdin, self.proc.stdout):
            pipe.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = NexrenderServer(tmp_path_factory.mktemp("nexrender"), secret=secrets.token_urlsafe(16))
    try:
        yield running.start()
    finally:
        running.stop()


@pytest.fixture
def client(server) -> NexrenderClient:
    return NexrenderClient(server.url, server.secret)


def sample_job(**kwargs) -> dict:
    """A job built by the project's own builder, as stage 4 builds them."""
    values = dict(
        template_src="/mnt/jobs/out/test001_final.aep",
        composition="Main",
        footage=[FootageAsset("cutout.png", "/mnt/jobs/exports/10.png", "Split Screen", 4, scale=(65.2, 65.2)),
                 FootageAsset("featuredimage2", "Z:\\jobs\\exports\\11 final.png", "Split Screen", 5)],
        texts=[TextAsset("player1fullname", "BEN FORMAN", "Split Screen", 1)],
        priority="high",
        tags=["ACME", "gameday"],
        output="/mnt/jobs/renders/test001.mov",
    )
    values.update(kwargs)
    return nexrender_job(**values)


@needs_server
def test_submitted_job_is_queued_and_can_be_fetched(client):
    job = sample_job()

    created = client.submit(job)

    assert isinstance(created["uid"], str) and created["uid"]
    assert created["state"] == "queued"
    assert created["template"] == job["template"]
    assert created["assets"] == job["assets"]
    assert created["actions"] == job["actions"]
    assert created["priority"] == 100 and created["tags"] == "ACME,gameday"
    assert client.get(created["uid"]) == created
    assert client.state(created["uid"]) == "queued"


@needs_server
def test_a_given_uid_is_kept(client):
    uid = f"aea-{secrets.token_hex(6)}"
    created = client.submit(sample_job(uid=uid))
    assert created["uid"] == uid
    assert client.get(uid)["template"]["composition"] == "Main"


@needs_server
def test_a_job_nexrender_rejects_gives_its_reason(client):
    with pytest.raises(NexrenderError) as caught:
        client.submit({"template": {"src": "file:///mnt/jobs/x.aep"}})
    assert caught.value.status == 400
    assert "job must have template.composition defined" in str(caught.value)
    assert "\n" not in str(caught.value)


@needs_server
def test_an_unknown_uid_is_a_clear_error(client):
    with pytest.raises(NexrenderError, match="has no job 'no-such-job'") as caught:
        client.get("no-such-job")
    assert caught.value.status == 404


@needs_server
def test_a_wrong_secret_is_refused(server):
    wrong = "not-the-" + server.secret
    for bad in (NexrenderClient(server.url, wrong), NexrenderClient(server.url, "")):
        with pytest.raises(NexrenderError) as caught:
            bad.submit(sample_job())
        message = str(caught.value)
        assert caught.value.status == 403
        assert "wrong or missing secret" in message and server.url in message
        assert server.secret not in message and wrong not in message
        with pytest.raises(NexrenderError, match="HTTP 403"):
            bad.get("anything")


@needs_server
def test_a_stopped_server_is_a_clear_error(tmp_path):
    running = NexrenderServer(tmp_path, secret="s3cret-for-this-test")
    try:
        running.start()
        client = NexrenderClient(running.url, running.secret, timeout=5)
        uid = client.submit(sample_job())["uid"]
    finally:
        running.stop()

    # The server kept its jobs in the temporary database it was given, not in ~/nexrender.
    assert uid in {job["uid"] for job in json.loads(running.database.read_text())}
    assert not (tmp_path / "nexrender").exists()
    with pytest.raises(NexrenderError, match="refused the connection") as caught:
        client.state(uid)
    assert running.url in str(caught.value) and running.secret not in str(caught.value)
    assert caught.value.status is None


def test_a_server_that_never_answers_times_out():
    """A socket that accepts connections (backlog) but never replies: the read times out."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        client = NexrenderClient(f"http://127.0.0.1:{silent.getsockname()[1]}", "s", timeout=0.5)
        started = time.monotonic()
        with pytest.raises(NexrenderError, match=r"did not answer GET /api/v1/jobs/x within 0\.5 s"):
            client.get("x")
        assert time.monotonic() - started < 10


def test_a_web_server_that_is_not_nexrender_gives_invalid_json(tmp_path):
    """base_url pointing at some other web server: its HTML is reported as invalid JSON."""
    page = tmp_path / "api" / "v1" / "jobs" / "x"
    page.parent.mkdir(parents=True)
    page.write_text("<html>not nexrender</html>")
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args):
            super().__init__(*args, directory=str(tmp_path))

        def log_message(self, *args):
            pass

    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet) as web:
        thread = threading.Thread(target=web.serve_forever)
        thread.start()
        try:
            client = NexrenderClient(f"http://127.0.0.1:{web.server_address[1]}", "s")
            with pytest.raises(NexrenderError, match="sent invalid JSON for GET /api/v1/jobs/x"):
                client.get("x")
            with pytest.raises(NexrenderError, match="HTTP 404"):
                client.get("y")
        finally:
            web.shutdown()
            thread.join(timeout=10)


@pytest.mark.parametrize("url", [
    "ftp://127.0.0.1:3050", "file:///tmp/x", "127.0.0.1:3050", "http://", "http://user:pw@127.0.0.1:3050",
    "http://127.0.0.1:3050/?a=1", "http://127.0.0.1:notaport",
])
def test_only_plain_http_urls_are_accepted(url):
    with pytest.raises(ValueError):
        NexrenderClient(url, "s")


def test_client_repr_and_validation_hide_the_secret():
    client = NexrenderClient("HTTP://127.0.0.1:3050/", "top-secret")
    assert client.base_url == "http://127.0.0.1:3050"
    assert "top-secret" not in repr(client)
    with pytest.raises(ValueError):
        NexrenderClient("http://127.0.0.1:3050", "a\r\nInjected: 1")
    with pytest.raises(ValueError):
        NexrenderClient("http://127.0.0.1:3050", "s", timeout=0)
