"""Request guards that run before any view, and the Content-Security-Policy of every answer.

:class:`ContentSecurityPolicyMiddleware` sends ``settings.CONTENT_SECURITY_POLICY`` with every
response that has none: scripts, styles, images and connections from this site only (inline
styles allowed, as the admin uses them; no inline scripts anywhere), no plug-ins, no framing.

:class:`RequestGuardMiddleware` does two things:

* It refuses (400) a request whose path, query string, cookies, urlencoded form fields or JSON
  body holds a NUL character (``%00``, ``\\u0000``). PostgreSQL text cannot hold NUL, so such a
  value would reach the database only to fail there as a server error; no screen or API field
  needs one.
* Under ``/api/`` it makes every error JSON ``{"message": …, "code": …}``: the limits Django
  enforces while the request is read (too many fields: 400 ``invalid``; an oversize body: 413
  ``too_large``), and any error answer Django itself produced as a page (an unknown address,
  a wrong method, an unhandled exception: 500 ``server_error``, never the exception's text).
  Errors raised inside the API's endpoints are shaped by the API's own handlers
  (``review/api.py``); this is the net for everything outside them.

Multipart bodies are never read here: their files are the view's business (and the API
authenticates before it reads an upload). Elsewhere, urlencoded forms and JSON bodies are read
only when they fit in ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (a larger one is left to the view, where
Django's limit applies as it reads it). Under ``/api/`` every other body is read, whatever its
content type, since django-ninja parses any such body as JSON; Django's limits apply to it here.
"""

from __future__ import annotations

import json
from http import HTTPStatus

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.http import HttpResponseBadRequest, JsonResponse

API_PREFIX = "/api/"
NUL = "\x00"

# The codes of the API's error answers, by status (review/api.py uses the same ones).
API_ERROR_CODES = {
    400: "invalid",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
}
API_ERROR_MESSAGES = {
    400: "The request is not valid.",
    401: "Authentication required.",
    403: "You do not have permission to do this.",
    404: "There is no API endpoint at this address.",
    405: "This endpoint does not accept the {method} method.",
    413: "The request body is too large.",
    500: "Something went wrong on the server; the error has been logged.",
}


def is_api_request(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


def api_error(status: int, message: str, code: str | None = None) -> JsonResponse:
    """The API's error answer (``code`` from the status unless given)."""
    if code is None:
        code = API_ERROR_CODES.get(status, "server_error" if status >= 500 else "invalid")
    return JsonResponse({"message": message, "code": code}, status=status)


def api_error_for_limit(exc: SuspiciousOperation) -> JsonResponse:
    """The API's answer to a limit Django enforced while reading the request."""
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return api_error(413, f"The request body is larger than the {limit} bytes the API accepts.")
    if isinstance(exc, TooManyFieldsSent):
        limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
        return api_error(400, f"The request has more than {limit} fields.")
    return api_error(400, API_ERROR_MESSAGES[400])


class RequestGuardMiddleware:
    """Refuse NUL characters; keep every answer under ``/api/`` JSON."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        api = is_api_request(request)
        try:
            where = nul_location(request, api=api)
        except (RequestDataTooBig, TooManyFieldsSent) as exc:
            if not api:
                raise  # Django's own 400 page
            return api_error_for_limit(exc)
        if where is not None:
            message = f"A NUL character (%00 or \\u0000) in the request's {where} is never valid: remove it."
            if api:
                return api_error(400, message)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        response = self.get_response(request)
        return as_api_error(request, response) if api else response


def as_api_error(request, response):
    """``response``, or for an error answer that is not JSON, the API's JSON error of the same status."""
    if response.status_code < 400 or response.get("Content-Type", "").startswith("application/json"):
        return response
    status = response.status_code
    if status >= 500:
        json_response = api_error(status, API_ERROR_MESSAGES[500], "server_error")
    else:
        template = API_ERROR_MESSAGES.get(status) or _phrase(status)
        json_response = api_error(status, template.format(method=request.method))
    if response.has_header("Allow"):
        json_response["Allow"] = response["Allow"]
    return json_response


def _phrase(status: int) -> str:
    try:
        return f"{HTTPStatus(status).phrase}."
    except ValueError:
        return API_ERROR_MESSAGES[400]


class ContentSecurityPolicyMiddleware:
    """Add the site's Content-Security-Policy header (unless a view set its own)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        return response


# --- Finding NUL characters ---------------------------------------------------------------------


def nul_location(request, *, api: bool) -> str | None:
    """Where the request holds a NUL character ("path", "query string", …), or None.

    Under ``/api/`` every body but a multipart one is read (django-ninja reads any body that is
    not a form as JSON, whatever its content type), so Django's limits apply to it here and
    raise ``RequestDataTooBig`` or ``TooManyFieldsSent``; elsewhere only urlencoded forms and
    JSON bodies are read, and only when they fit in ``DATA_UPLOAD_MAX_MEMORY_SIZE``.
    """
    if NUL in request.path_info or NUL in request.path:
        return "path"
    if _querydict_has_nul(request.GET):
        return "query string"
    if any(NUL in name or NUL in value for name, value in request.COOKIES.items()):
        return "cookies"  # the session cookie is looked up in the database
    content_type = request.content_type or ""
    length = _content_length(request)
    if content_type == "multipart/form-data" or length is None or length <= 0:
        return None
    if not (api or _fits_in_memory(length)):
        return None
    if content_type == "application/x-www-form-urlencoded":
        if request.method == "POST":  # the only method Django parses a form body for
            return "form data" if _querydict_has_nul(request.POST) else None
        return "body" if b"\x00" in request.body else None
    if api or _is_json(content_type):
        return "JSON body" if _body_has_nul(request.body) else None
    return None


def _querydict_has_nul(data) -> bool:
    return any(NUL in key or any(NUL in value for value in values) for key, values in data.lists())


def _is_json(content_type: str) -> bool:
    return content_type == "application/json" or content_type.endswith("+json")


def _content_length(request) -> int | None:
    """The body's declared length; None when absent or not a number (nothing to read here)."""
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None


def _fits_in_memory(length: int) -> bool:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return limit is None or length <= limit


def _body_has_nul(body: bytes) -> bool:
    """A raw NUL byte, or a NUL in any string or key of the JSON document the body holds."""
    if b"\x00" in body:
        return True
    if b"\\u0000" not in body:
        return False  # JSON writes a NUL in a string only as \u0000: no need to parse the body twice
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return False  # not JSON: the view refuses it as such
    stack = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if NUL in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False
