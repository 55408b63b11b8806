"""Production settings pass Django's deployment checks; django-q2's timeout stays below retry."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

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
    assert settings.AEA_LEASE_SECONDS > settings.Q_CLUSTER["timeout"]


def test_sqlite_runs_in_wal_with_immediate_transactions():
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        options = settings.DATABASES["default"]["OPTIONS"]
        assert options["transaction_mode"] == "IMMEDIATE"
        assert "journal_mode=WAL" in options["init_command"]
