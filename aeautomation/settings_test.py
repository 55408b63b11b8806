"""Settings for the test suite (pytest.ini names this module): the defaults, with what tests need.

Tests run with ``DEBUG`` off, as production does, but over plain HTTP through Django's test
client, with django-q2 running tasks inline (``Q_SYNC=0`` in the environment of a real
``qcluster`` a test starts turns that off for it) and static files found without
``collectstatic``. A subprocess that must see production settings (``check --deploy``) sets
``DJANGO_SETTINGS_MODULE=aeautomation.settings`` itself.
"""

from .settings import *  # noqa: F403  (everything, then the overrides below)
from .settings import Q_CLUSTER, STORAGES, env_bool, env_list

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])

STATIC_MANIFEST = False
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}

PRODUCTION = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = False
SECURE_HSTS_PRELOAD = False

Q_CLUSTER = {**Q_CLUSTER, "sync": env_bool("Q_SYNC", True)}
