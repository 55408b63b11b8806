"""API tokens: stored hashed, refused when revoked, made by create_api_token."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from review.api_auth import api_token_create, api_token_revoke, hash_token, user_for_token
from review.models import ApiToken

from .helpers import bearer


def test_the_database_never_holds_the_raw_token(reviewer):
    issued = api_token_create(user=reviewer, name="ci")
    row = ApiToken.objects.values().get(pk=issued.token.pk)
    assert issued.raw not in {str(value) for value in row.values()}
    assert row["token_hash"] == hashlib.sha256(issued.raw.encode()).hexdigest() == hash_token(issued.raw)
    assert row["prefix"] == issued.raw[:8] and len(issued.raw) >= 43


def test_tokens_are_unique(reviewer):
    assert api_token_create(user=reviewer).raw != api_token_create(user=reviewer).raw


def test_a_token_authenticates_its_user_and_records_last_use(client, reviewer):
    issued = api_token_create(user=reviewer)
    assert client.get("/api/dashboard/stats", **bearer(issued.raw)).status_code == 200
    issued.token.refresh_from_db()
    assert issued.token.last_used is not None


def test_last_use_is_written_at_most_once_a_minute(reviewer, django_assert_num_queries):
    issued = api_token_create(user=reviewer)
    user_for_token(issued.raw)
    with django_assert_num_queries(1):  # the lookup only, no UPDATE
        assert user_for_token(issued.raw) == reviewer
    ApiToken.objects.filter(pk=issued.token.pk).update(last_used=issued.token.created - timedelta(minutes=5))
    with django_assert_num_queries(2):
        user_for_token(issued.raw)


def test_revoked_tokens_are_refused(client, reviewer):
    issued = api_token_create(user=reviewer)
    api_token_revoke(token=issued.token)
    response = client.get("/api/dashboard/stats", **bearer(issued.raw))
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"
    assert ApiToken.objects.get(pk=issued.token.pk).revoked_at is not None


def test_tokens_of_inactive_users_are_refused(client, reviewer):
    issued = api_token_create(user=reviewer)
    reviewer.is_active = False
    reviewer.save()
    assert client.get("/api/dashboard/stats", **bearer(issued.raw)).status_code == 401


def test_other_authorization_schemes_are_refused(client, reviewer):
    issued = api_token_create(user=reviewer)
    assert client.get("/api/dashboard/stats", HTTP_AUTHORIZATION=f"Token {issued.raw}").status_code == 401


def test_create_api_token_prints_the_token_on_its_last_line(reviewer, client):
    out = io.StringIO()
    call_command("create_api_token", "reviewer", "--name", "nightly script", stdout=out)
    raw = out.getvalue().strip().splitlines()[-1]
    token = ApiToken.objects.get()
    assert token.name == "nightly script" and token.user == reviewer
    assert token.token_hash == hash_token(raw) and raw not in out.getvalue().splitlines()[0]
    assert client.get("/api/dashboard/stats", **bearer(raw)).status_code == 200


def test_create_api_token_refuses_unknown_users(db):
    with pytest.raises(CommandError, match="No user 'ghost'"):
        call_command("create_api_token", "ghost", stdout=io.StringIO())


def test_tokens_can_be_revoked_in_the_admin(client, django_user_model, reviewer):
    issued = api_token_create(user=reviewer)
    boss = django_user_model.objects.create_superuser("boss", "b@example.com", "pw-boss")
    client.force_login(boss)
    listing = client.get("/admin/review/apitoken/")
    assert listing.status_code == 200 and issued.token.prefix in listing.content.decode()
    assert issued.raw not in listing.content.decode()
    client.post("/admin/review/apitoken/", {"action": "revoke_tokens", "_selected_action": [issued.token.pk]})
    issued.token.refresh_from_db()
    assert issued.token.revoked and user_for_token(issued.raw) is None
