"""Production settings pass Django's deployment checks; django-q2's timeout stays below retry."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

REPO = Path(__file__).resolve().parents[2]


def test_production_settings_pass_check_deploy_with_no_warnings(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SECURE_", "SESSION_", "CSRF_", "DEBUG"))}
    env.update(DJANGO_SETTINGS_MODULE="aeautomation.settings", DEBUG="0", SECRET_KEY=secrets.token_urlsafe(60), ALLOWED_HOSTS="aea.example.com",
               DATA_DIR=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    proc = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no issues" in proc.stdout


def test_the_suite_runs_on_the_test_settings_module():
    # Tests are told apart by the settings module pytest.ini names, not by sniffing sys.modules.
    assert os.environ["DJANGO_SETTINGS_MODULE"] == "aeautomation.settings_test"
    assert settings.Q_CLUSTER["sync"] is True and settings.SECURE_SSL_REDIRECT is False
    # The base module, which pytest loaded too, keeps production's defaults.
    from aeautomation import settings as base

    if "Q_SYNC" not in os.environ:
        assert base.Q_CLUSTER["sync"] is False
    assert base.SECURE_SSL_REDIRECT is (not base.DEBUG)


def test_q_cluster_timeout_is_below_retry():
    assert settings.Q_CLUSTER["timeout"] < settings.Q_CLUSTER["retry"]
    # The lease is renewed while the work runs (jobs/lease.py): a short one, several beats per
    # lease, so a dead worker's job is taken back in about a minute, not after the task timeout.
    assert 4 <= settings.AEA_LEASE_SECONDS < settings.Q_CLUSTER["timeout"]
    assert settings.AEA_REAP_SECONDS <= settings.AEA_STRANDED_SECONDS


def test_sqlite_runs_in_wal_with_immediate_transactions():
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        options = settings.DATABASES["default"]["OPTIONS"]
        assert options["transaction_mode"] == "IMMEDIATE"
        assert "journal_mode=WAL" in options["init_command"]


def _settings_process(tmp_path, code: str, **env_vars) -> subprocess.CompletedProcess:
    """Python with the production settings module, DATA_DIR in ``tmp_path`` and ``env_vars``."""
    env = {k: v for k, v in os.environ.items() if k not in ("AEA_WEBHOOK_SECRET", "SECRET_KEY")}
    env.update(DJANGO_SETTINGS_MODULE="aeautomation.settings", DATA_DIR=str(tmp_path),
               DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", **env_vars)
    return subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)


PRINT_SECRETS = "from django.conf import settings; print(settings.AEA_WEBHOOK_SECRET); print(settings.SECRET_KEY)"


def test_the_webhook_secret_is_generated_once_into_the_data_dir_readable_by_its_owner_only(tmp_path):
    import base64

    first = _settings_process(tmp_path, PRINT_SECRETS)
    assert first.returncode == 0, first.stderr
    webhook_secret, secret_key = first.stdout.split()
    secret_file = tmp_path / "webhook_secret"
    assert secret_file.read_text() == webhook_secret
    assert secret_file.stat().st_mode & 0o777 == 0o600
    assert webhook_secret.startswith("whsec_") and len(base64.b64decode(webhook_secret[6:])) == 32
    # A secret of its own: neither SECRET_KEY nor derived from it.
    assert secret_key == (tmp_path / "secret_key").read_text()
    assert webhook_secret != secret_key and secret_key not in webhook_secret
    # Kept: the next start (and every process sharing DATA_DIR) uses the same one.
    again = _settings_process(tmp_path, PRINT_SECRETS, SECRET_KEY=secrets.token_urlsafe(50))
    assert again.returncode == 0, again.stderr
    assert again.stdout.split()[0] == webhook_secret
    assert sorted(p.name for p in tmp_path.iterdir() if "webhook" in p.name) == ["webhook_secret"]


def test_the_suite_signs_webhooks_with_their_own_secret():
    assert settings.AEA_WEBHOOK_SECRET.startswith("whsec_") and settings.AEA_WEBHOOK_SECRET != settings.SECRET_KEY


def test_AEA_WEBHOOK_SECRET_in_the_environment_is_used_as_given_and_nothing_is_written(tmp_path):
    import base64

    given = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    proc = _settings_process(tmp_path, PRINT_SECRETS, AEA_WEBHOOK_SECRET=given)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split()[0] == given
    assert not (tmp_path / "webhook_secret").exists()


@pytest.mark.parametrize("value", [
    "plain-old-password-of-some-length",  # no whsec_ prefix
    secrets.token_urlsafe(40),  # base64url, no prefix
    "whsec_" + "not base64 at all!",
    "whsec_" + "c2hvcnQ=",  # 5 bytes: too short
    "whsec_" + "QUFB" * 30,  # 90 bytes: too long
])
def test_a_bad_AEA_WEBHOOK_SECRET_stops_start_up_naming_the_variable(tmp_path, value):
    proc = subprocess.run([sys.executable, "manage.py", "check"], cwd=REPO, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "DJANGO_SETTINGS_MODULE": "aeautomation.settings",
                                            "DATA_DIR": str(tmp_path), "AEA_WEBHOOK_SECRET": value})
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("django.core.exceptions.ImproperlyConfigured: AEA_WEBHOOK_SECRET must be a webhook secret")
    assert "whsec_<base64" in last and value not in proc.stderr  # the value itself is not echoed


@pytest.mark.django_db
def test_every_answer_carries_the_content_security_policy(admin_client, client):
    policy = settings.CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    for answer in (client.get("/admin/login/"), admin_client.get("/admin/jobs/job/"), admin_client.get("/dashboard/"),
                   client.get("/api/dashboard/stats"), admin_client.get("/api/docs")):
        assert answer["Content-Security-Policy"] == policy, answer.request["PATH_INFO"]
