"""A small client for nexrender-server's HTTP API (github.com/inlife/nexrender, ``@nexrender/server``).

The API, as served by ``@nexrender/server`` (checked against version 1.38.0):

- every route but ``GET /api/v1/health`` requires the header ``nexrender-secret`` when the
  server was started with a secret; a wrong or missing one gets ``403`` and a plain-text
  reason;
- ``POST /api/v1/jobs`` with a JSON job: the server fills nexrender's defaults (``uid`` unless
  given), sets ``state`` to ``queued``, validates it and answers ``200`` with the stored job,
  or ``400`` with the validation error's stack as plain text;
- ``GET /api/v1/jobs/:uid``: the job as JSON; an unknown uid gets ``200`` with an EMPTY body
  (nexrender's own behaviour), reported here as "no such job";
- ``GET /api/v1/health``: ``200 ok`` (no secret needed).

Job states move through ``created`` → ``queued`` → ``picked`` → ``started`` →
``render:setup``, ``render:predownload``, ``render:download``, ``render:postdownload``,
``render:prerender``, ``render:script``, ``render:dorender``, ``render:postrender``,
``render:cleanup`` → ``finished``, or ``error``; see :data:`FINAL_STATES`.

Every failure (connection refused, timeout, HTTP 4xx/5xx, a redirect, an answer that is not
the expected JSON) is raised as one :class:`NexrenderError` whose message names the server and
the request but never the secret.

Connections go straight to the server: environment proxies are ignored and redirects are not
followed, so the secret header is only ever sent to ``base_url``.

This module is plain Python (``urllib``): no Django import, no extra dependency.
"""

from __future__ import annotations

import http.client
import json
import socket
import urllib.error
import urllib.request
from collections.abc import Mapping
from urllib.parse import quote, urlsplit, urlunsplit

API_PREFIX = "/api/v1"
SECRET_HEADER = "nexrender-secret"
FINAL_STATES = frozenset({"finished", "error"})
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
_REASON_CHARS = 300


class NexrenderError(Exception):
    """A request to nexrender-server failed; ``str(error)`` is one clear line without secrets.

    ``status`` is the HTTP status when the server answered (403 for a wrong secret), else None.
    """

    def __init__(self, message: str, *, status: int | None = None):
        self.status = status
        super().__init__(message)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Refuse redirects: the secret header must not follow them to another host."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _base_url(base_url: str) -> str:
    """``base_url`` checked (http/https, a host, no credentials) and without trailing slash."""
    if not isinstance(base_url, str):
        raise ValueError("nexrender base_url must be a string")
    parts = urlsplit(base_url.strip())
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError(f"nexrender base_url must be an http:// or https:// URL, not {parts.scheme or 'no'} scheme")
    if not parts.hostname:
        raise ValueError("nexrender base_url has no host")
    if parts.username is not None or parts.password is not None:
        raise ValueError("nexrender base_url must not carry credentials; pass the secret instead")
    if parts.query or parts.fragment:
        raise ValueError("nexrender base_url must not have a query or fragment")
    try:
        _ = parts.port  # raises ValueError for a malformed port
    except ValueError:
        raise ValueError("nexrender base_url has an invalid port") from None
    return urlunsplit((parts.scheme.lower(), parts.netloc, parts.path.rstrip("/"), "", ""))


def _uid(uid: object) -> str:
    if not isinstance(uid, str) or not uid.strip():
        raise ValueError(f"a nexrender job uid must be a non-empty string, not {uid!r}")
    return uid


class NexrenderClient:
    """Submit jobs to and read jobs from one nexrender-server.

    ``base_url`` is the server's root (``http://render-host:3050``), ``secret`` the value the
    server was started with (``--secret``; empty for a server without one), ``timeout`` the
    seconds allowed for connecting and for each read of the answer.
    """

    def __init__(self, base_url: str, secret: str, timeout: float = 10):
        if not isinstance(secret, str) or any(ch in secret for ch in "\r\n\x00"):
            raise ValueError("nexrender secret must be a string without line breaks or NUL")
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
            raise ValueError("timeout must be a positive number of seconds")
        self.base_url = _base_url(base_url)
        self.timeout = float(timeout)
        self._secret = secret
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())

    def __repr__(self) -> str:
        return f"NexrenderClient({self.base_url!r}, secret=***, timeout={self.timeout:g})"

    # --- public API ---

    def submit(self, job: Mapping) -> dict:
        """POST ``job`` (e.g. from :func:`jobs.formats.nexrender.nexrender_job`); the created job.

        The answer is the job as nexrender stored it: with its ``uid`` and ``state`` ``queued``.
        A job that is not a mapping raises TypeError, one JSON cannot write (NaN, objects)
        TypeError/ValueError, before anything is sent.
        """
        if not isinstance(job, Mapping):
            raise TypeError(f"a nexrender job must be a mapping, not {type(job).__name__}")
        body = json.dumps(dict(job), ensure_ascii=False, allow_nan=False).encode("utf-8")
        created = self._request("POST", f"{API_PREFIX}/jobs", body)
        return self._job(created, "POST /jobs")

    def get(self, uid: str) -> dict:
        """The job ``uid`` as nexrender-server holds it; NexrenderError when it has no such job."""
        path = f"{API_PREFIX}/jobs/{quote(_uid(uid), safe='')}"
        found = self._request("GET", path)
        if found is None:
            raise NexrenderError(f"nexrender server at {self.base_url} has no job {uid!r}", status=404)
        return self._job(found, f"GET /jobs/{uid}")

    def state(self, uid: str) -> str:
        """The job's state: ``queued``, ``picked``, ``started``, ``render:*``, ``finished`` or ``error``."""
        job = self.get(uid)
        state = job.get("state")
        if not isinstance(state, str) or not state:
            raise NexrenderError(f"nexrender server at {self.base_url} sent job {uid!r} without a state")
        return state

    def health(self) -> None:
        """Return when the server answers ``GET /api/v1/health`` with 200; NexrenderError otherwise."""
        self._request("GET", f"{API_PREFIX}/health", expect_json=False)

    # --- HTTP ---

    def _job(self, value: object, what: str) -> dict:
        """``value`` checked to be a job object with a uid."""
        if not isinstance(value, dict) or not isinstance(value.get("uid"), str):
            raise NexrenderError(f"nexrender server at {self.base_url} answered {what} without a job")
        return value

    def _request(self, method: str, path: str, body: bytes | None = None, *, expect_json: bool = True):
        """Send one request; the decoded JSON answer (None for an empty body)."""
        what = f"{method} {path}"
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json; charset=utf-8"
        if self._secret:
            headers[SECRET_HEADER] = self._secret
        # base_url is checked to be http(s) when the client is made
        request = urllib.request.Request(self.base_url + path, data=body, headers=headers, method=method)  # noqa: S310
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                raw = self._read(response, what)
        except urllib.error.HTTPError as error:
            raise self._http_error(error, what) from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
            raise self._connection_error(error, what) from None
        if not expect_json:
            return None
        return self._decode(raw, what)

    def _read(self, response, what: str) -> bytes:
        raw = response.read(MAX_RESPONSE_BYTES + 1)
        if len(raw) > MAX_RESPONSE_BYTES:
            raise NexrenderError(f"nexrender server at {self.base_url} sent more than "
                                 f"{MAX_RESPONSE_BYTES} bytes for {what}")
        return raw

    def _decode(self, raw: bytes, what: str):
        if not raw.strip():
            return None
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            snippet = self._clean(raw[:80].decode("utf-8", "replace"))
            raise NexrenderError(
                f"nexrender server at {self.base_url} sent invalid JSON for {what}: {snippet!r}"
            ) from None

    def _http_error(self, error: urllib.error.HTTPError, what: str) -> NexrenderError:
        """A NexrenderError for an HTTP error status, with the first line of the server's reason."""
        try:
            raw = error.read(64 * 1024)
        except (OSError, http.client.HTTPException):
            raw = b""
        finally:
            error.close()
        reason = self._clean(raw.decode("utf-8", "replace").strip().splitlines()[0] if raw.strip() else "")
        status = error.code
        if status == 403:
            hint = "wrong or missing secret (nexrender-secret header)"
        elif 300 <= status < 400:
            hint = "redirect not followed"
        else:
            hint = error.reason if isinstance(error.reason, str) else ""
        detail = f": {reason}" if reason else ""
        return NexrenderError(f"nexrender server at {self.base_url} refused {what}: HTTP {status} {hint}{detail}",
                              status=status)

    def _connection_error(self, error: BaseException, what: str) -> NexrenderError:
        """A NexrenderError for a failure before or while reading an answer."""
        reason = error.reason if isinstance(error, urllib.error.URLError) else error
        if isinstance(reason, (socket.timeout, TimeoutError)):
            text = f"did not answer {what} within {self.timeout:g} s"
        elif isinstance(reason, ConnectionRefusedError):
            text = f"refused the connection for {what} (is nexrender-server running?)"
        elif isinstance(reason, socket.gaierror):
            text = f"cannot be resolved for {what}: {reason.strerror or reason}"
        else:
            text = f"failed on {what}: {self._clean(str(reason) or type(reason).__name__)}"
        return NexrenderError(f"nexrender server at {self.base_url} {text}")

    def _clean(self, text: str) -> str:
        """``text`` cut to one short line with the secret (should a server echo it) masked."""
        if self._secret:
            text = text.replace(self._secret, "***")
        text = " ".join(text.split())
        return text if len(text) <= _REASON_CHARS else text[: _REASON_CHARS - 1] + "…"
