"""The project's URLs with the API token admin registered (until review/admin.py imports it)."""

from django.contrib import admin
from django.urls import path

from aeautomation.urls import urlpatterns as project_urlpatterns
from review import admin_tokens  # noqa: F401  (registers ApiToken in the admin)

# admin.site.urls is built when read: read again now that ApiToken is registered.
urlpatterns = [path("admin/", admin.site.urls), *project_urlpatterns]
