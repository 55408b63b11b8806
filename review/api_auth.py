"""Who is calling the API: per-user bearer tokens for scripts, the session for the dashboard.

Tokens are ``secrets.token_urlsafe(32)`` values. Only their SHA-256 is stored (with the first
characters as a visible prefix), so a copy of the database gives nobody a usable token. A
request presents one as ``Authorization: Bearer <token>``; a revoked token, a token of an
inactive or non-staff user, or an unknown token is refused (401).

The API is for staff, as the admin is: bearer tokens and sessions alike authenticate only
active staff users (:func:`is_api_user`); the admin's permissions then decide what each may do.

Session requests are the dashboard's own fetches: they must carry the CSRF token on unsafe
methods, exactly as a form post would (403 otherwise).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from .models import ApiToken

PREFIX_CHARS = 8
# last_used is written at most this often per token, so reads stay reads.
LAST_USED_RESOLUTION = timedelta(seconds=60)


class CsrfRefused(Exception):
    """A session-authenticated unsafe request without a valid CSRF token."""


@dataclass(frozen=True)
class IssuedToken:
    """A new token: the stored row and the raw value, which is shown once and never kept."""

    token: ApiToken
    raw: str


def hash_token(raw: str) -> str:
    """The stored form of a token: its SHA-256, in hex."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def api_token_create(*, user, name: str = "") -> IssuedToken:
    """Make a token for ``user``; the raw value is returned, only its hash is stored."""
    raw = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name[:100], prefix=raw[:PREFIX_CHARS], token_hash=hash_token(raw))
    return IssuedToken(token=token, raw=raw)


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    """Refuse ``token`` from now on (the row stays, for the record)."""
    if not token.revoked:
        token.revoked = True
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked", "revoked_at"])
    return token


def is_api_user(user) -> bool:
    """Whether ``user`` may use the API at all: an active staff member, as the admin asks."""
    return user is not None and user.is_authenticated and user.is_active and user.is_staff


def user_for_token(raw: str):
    """The active staff user ``raw`` belongs to; None for an unknown or revoked token, or one
    whose user is inactive or no longer staff."""
    if not raw:
        return None
    token = ApiToken.objects.select_related("user").filter(token_hash=hash_token(raw.strip())).first()
    if token is None or token.revoked or not is_api_user(token.user):
        return None
    _touch(token)
    return token.user


def _touch(token: ApiToken) -> None:
    """Record when the token was last used (at most once per LAST_USED_RESOLUTION)."""
    now = timezone.now()
    if token.last_used is None or now - token.last_used >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used=now)


def check_permissions(user, perms: tuple[str, ...]):
    """``user`` if it has one of ``perms`` (or none are asked); else PermissionDenied (403).

    Checked during authentication, so a user without the permission is refused before the
    request's body is even read.
    """
    if perms and not any(user.has_perm(perm) for perm in perms):
        raise PermissionDenied(f"{user.get_username()} lacks the permission {' or '.join(perms)}.")
    return user


class BearerTokenAuth(HttpBearer):
    """``Authorization: Bearer <token>`` with a token made by ``create_api_token``."""

    def __init__(self, perms: tuple[str, ...] = ()) -> None:
        self.perms = perms
        super().__init__()

    def authenticate(self, request, token: str):
        user = user_for_token(token)
        return check_permissions(user, self.perms) if user is not None else None


class SessionCsrfAuth(APIKeyCookie):
    """The logged-in Django session of a staff user; unsafe methods must pass Django's CSRF check."""

    param_name: str = settings.SESSION_COOKIE_NAME

    def __init__(self, perms: tuple[str, ...] = ()) -> None:
        self.perms = perms
        super().__init__(csrf=False)  # checked below, only for session-authenticated requests

    def _get_key(self, request):
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if not is_api_user(user):
            return None
        if check_csrf(request) is not None:
            raise CsrfRefused("CSRF check failed: send the X-CSRFToken header with session requests.")
        return check_permissions(user, self.perms)


def needs(*perms: str) -> list:
    """The API's authentication for an endpoint that needs one of ``perms``."""
    return [BearerTokenAuth(perms), SessionCsrfAuth(perms)]
