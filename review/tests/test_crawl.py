"""A crawl of every URL the project serves, as anonymous, non-staff, staff and superuser users.

Every URL pattern (``django.urls.get_resolver()`` walked recursively: the admin with
django-q2's pages and our review page, the dashboard, the file views, the API) is requested
with its path parameters filled with real ids of a small world and with malformed and
missing ones; the links each page's HTML holds are then followed one level deep (same host,
GET, a bounded number). Nothing may answer a server error, and under ``/api/`` every error is
JSON with a ``message`` and a ``code``. Then the pages' action forms get malformed bodies.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern, RoutePattern
from django.utils.regex_helper import normalize

from batches.models import Batch
from conftest import make_user
from jobs.models import Job, JobLog, Stage
from review.api_auth import api_token_create

from .helpers import bearer, build_world

USER_KINDS = ("anonymous", "non_staff", "staff", "superuser")
# Malformed and missing ids for every path parameter: not a number, no such row, beyond any
# database integer, a NUL, an Arabic-Indic digit two, a superscript two (both isdigit()).
BAD_VALUES = ("abc", "0", "99999999999999999999", "%00", "%D9%A2", "%C2%B2")
# Query strings lists and our own pages also get: huge, Unicode-digit, negative and NUL values
# of the filters and paging parameters the dashboard, the admin's lists and the API read (one
# kind of trouble per query, so that a refused value does not hide another).
QUERIES = (
    "?batch=99999999999999999999&batch__id__exact=99999999999999999999&job__id__exact=99999999999999999999",
    "?page=99999999999999999999&p=99999999999999999999&o=99999999999999999999",
    "?batch=%D9%A2&priority=%C2%B2&status=%D9%A2&stage__exact=%C2%B2",
    "?page=%D9%A2&page_size=%C2%B2&p=%C2%B2&o=%D9%A2",
    "?batch=-1&page=0&page_size=99999999999999999999&p=-1&o=-1&q=%25%5C_",
    "?q=%00",
)
MAX_LINKS = 400  # links followed per kind of user, beyond the URL patterns themselves
NOT_FOR_USERS = re.compile(r"Traceback \(most recent call last\)|IntegrityError|OperationalError|DataError|"
                           r"ProgrammingError|psycopg|sqlite3|django\.db\.")
PARAMETER = re.compile(r"<(?:[^>:]+:)?([^>]+)>")


# --- Every URL pattern ------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """A URL pattern as a template: ``/admin/jobs/job/{object_id}/change/``, its parameters,
    and the model of the admin it belongs to (None outside a model's admin)."""

    template: str
    params: tuple[str, ...]
    model: type | None
    name: str | None


def _text(pattern) -> str:
    """A pattern's path with its parameters as ``{name}``."""
    if isinstance(pattern, RoutePattern):
        return PARAMETER.sub(r"{\1}", str(pattern))
    assert isinstance(pattern, RegexPattern), pattern
    fmt, _params = normalize(pattern.regex.pattern)[0]  # the first path it can reverse to
    return re.sub(r"%\((\w+)\)s", r"{\1}", fmt)


def all_routes(patterns=None, prefix: str = "/", model=None) -> list[Route]:
    if patterns is None:
        patterns = get_resolver().url_patterns
    admin_models = {f"/admin/{m._meta.app_label}/{m._meta.model_name}/": m for m in admin.site._registry}
    routes = []
    for pattern in patterns:
        path = prefix + _text(pattern.pattern)
        if isinstance(pattern, URLResolver):
            routes += all_routes(pattern.url_patterns, path, admin_models.get(path, model))
        else:
            assert isinstance(pattern, URLPattern)
            routes.append(Route(path, tuple(re.findall(r"{(\w+)}", path)), model, pattern.name))
    return routes


def real_values(route: Route, param: str, world: dict) -> list[str]:
    """Ids that exist for ``param`` of ``route`` (a few of each)."""
    jobs = list(world["jobs"].values())
    if route.name == "view_on_site":
        return {"content_type_id": [str(ContentType.objects.get_for_model(Job).pk)],
                "object_id": [str(world["stage2"].pk)]}[param]
    if route.model is not None and param in ("object_id", "id"):
        pks = route.model._default_manager.order_by("-pk").values_list("pk", flat=True)[:2]
        return [str(pk) for pk in pks] or ["1"]
    if param == "app_label":
        return sorted({m._meta.app_label for m in admin.site._registry})
    if param == "url":
        return ["jobs/nothing/here/"]
    if route.template.startswith("/review/asset/"):
        return [str(world[name].pk) for name in ("asset", "missing_asset", "fileless_asset")]
    if route.template.startswith("/review/batch/"):
        return [str(world["batch"].pk), str(world["fileless_batch"].pk)]
    if route.template.startswith("/dashboard/job/"):
        return [str(job.pk) for job in (world["stage2"], world["deploy"], world["archived"], jobs[0], jobs[4])]
    if param == "job_id":
        return [world["stage2"].job_id, world["deploy"].job_id, jobs[0].job_id, jobs[3].job_id]
    if param == "batch_id":
        return [str(world["batch"].pk)]
    if param == "stage":
        return ["0", "2", "3", "4", "5"]
    return ["abc"]


# The admins with views or forms of their own (the job's review page and change view, the
# batch's CSV link); the other models' admin pages are Django's own lookups and templates.
CUSTOM_ADMINS = ("jobs.job", "batches.batch")


def thorough(route: Route) -> bool:
    """Whether the route is this project's own code: it gets every bad value and the queries."""
    if route.model is not None:
        return route.model._meta.label_lower in CUSTOM_ADMINS and route.name is not None
    return not route.template.startswith("/admin/")


def seed_urls(world: dict) -> list[str]:
    """Every route with real ids, then with each parameter in turn malformed or missing: all of
    BAD_VALUES on our own routes, a malformed and a missing one on the admin's stock pages (one
    real id there). Our own pages and every admin list also get the QUERIES."""
    urls = []
    for route in all_routes():
        real = {param: real_values(route, param, world) for param in route.params}
        first = {param: values[0] for param, values in real.items()}
        mine = thorough(route)
        for param in route.params:
            for value in [*(real[param] if mine else real[param][:1]), *(BAD_VALUES if mine else BAD_VALUES[:2])]:
                urls.append(route.template.format(**{**first, param: value}))
        if mine and not route.template.startswith("/admin/"):
            urls += [route.template.format(**first) + query for query in ("", *QUERIES)]
        elif (route.name or "").endswith("_changelist"):  # the admin's lists: huge and Unicode paging and filters
            urls += [route.template + query for query in ("", *QUERIES[:4])]
        elif not route.params:
            urls.append(route.template)
    return list(dict.fromkeys(urls))


# --- Crawling ---------------------------------------------------------------------------------


class LinkParser(HTMLParser):
    """The GET links of a page: ``href``, ``src`` and htmx's ``hx-get``."""

    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src", "hx-get") and value:
                self.links.append(value)


def same_host_links(base: str, html: str) -> list[str]:
    parser = LinkParser()
    parser.feed(html)
    links = []
    for link in parser.links:
        if link.startswith(("#", "javascript:", "mailto:", "data:", "tel:")):
            continue
        url = urlsplit(urljoin("http://testserver" + base, link))
        if url.scheme in ("http", "https") and url.netloc in ("testserver", ""):
            links.append(url.path + (f"?{url.query}" if url.query else ""))
    return links


def problem(url: str, response) -> str | None:
    """What is wrong with the answer, or None."""
    status = response.status_code
    if status >= 500:
        exc = getattr(response, "exc_info", None)
        cause = f"{exc[0].__name__}: {exc[1]}" if exc else response.content[:200]
        return f"{status} ({cause})"
    body = response.content.decode("utf-8", "replace") if not response.streaming else ""
    if status >= 400 and NOT_FOR_USERS.search(body):
        return f"{status} shows internals: {NOT_FOR_USERS.search(body).group(0)}"
    if urlsplit(url).path.startswith("/api/") and status >= 400:
        if not response.get("Content-Type", "").startswith("application/json"):
            return f"{status} from the API as {response.get('Content-Type')}"
        data = response.json()
        if not (isinstance(data, dict) and isinstance(data.get("message"), str) and data.get("message")
                and isinstance(data.get("code"), str) and data.get("code")):
            return f"{status} from the API without message and code: {body[:200]}"
    return None


def crawl(client: Client, seeds: list[str], skip=()) -> tuple[int, Counter, list[tuple[str, str]]]:
    """GET every seed, then the links (and redirects) they lead to, one level deep (but not the
    URLs in ``skip``); the number of URLs requested, how many got each status, and the problems."""
    answers = Counter()
    problems = []
    seen = set()
    found = []

    def visit(url, collect: bool):
        seen.add(url)
        response = client.get(url)
        answers[response.status_code] += 1
        why = problem(url, response)
        if why:
            problems.append((url, why))
        if not collect:
            return
        if response.status_code in (301, 302, 303, 307, 308):
            found.append(response["Location"])
        elif response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
            found.extend(same_host_links(urlsplit(url).path, response.content.decode("utf-8", "replace")))

    seen.update(skip)
    for url in seeds:
        if url not in seen:
            visit(url, collect=True)
    followed = 0
    kinds_of_link = set()  # a path and the names of its query parameters: one of each is enough
    for url in dict.fromkeys(found):
        split = urlsplit(url)
        kind = (split.path, tuple(sorted({name for name, _value in parse_qsl(split.query, keep_blank_values=True)})))
        if url in seen or kind in kinds_of_link or followed >= MAX_LINKS:
            continue
        kinds_of_link.add(kind)
        followed += 1
        visit(url, collect=False)
    return len(seen) - len(skip), answers, problems


def crawl_users(django_user_model) -> dict:
    """The users of each kind: a non-staff user in a reviewer group (the group must not let
    them in), a staff reviewer (matching and preview: pages render what they may not do too)
    and a superuser (every form and every admin page)."""
    return {
        "anonymous": None,
        "non_staff": make_user(django_user_model, "civilian", "Matching reviewers", staff=False),
        "staff": make_user(django_user_model, "staffer", "Matching reviewers", "Preview approvers"),
        "superuser": make_user(django_user_model, "root", superuser=True),
    }


# Server errors whose fix lies outside the files this change may touch (the report describes
# each fix): the crawl leaves exactly these out, and test_known_server_errors_outside_review_code
# expects them to fail, strictly, so that it fails once they are fixed and the entry can go.
def test_the_crawl_knows_every_url_pattern(db, make_job):
    def count(patterns):
        return sum(count(p.url_patterns) if isinstance(p, URLResolver) else 1 for p in patterns)

    routes = all_routes()
    assert len(routes) == count(get_resolver().url_patterns)
    names = {route.name for route in routes}
    assert {"jobs_job_review", "django_q_schedule_changelist", "django_q_ormq_change", "auth_user_password_change",
            "dashboard", "dashboard_job_action", "asset", "batch_csv", "send_back", "openapi-json", "app_list"} <= names
    urls = seed_urls(build_world(make_job))
    assert "/admin/jobs/job/%00/review/" in urls and "/api/job/99999999999999999999/retry" in urls
    assert any(url.startswith("/dashboard/?batch=") for url in urls)


@pytest.mark.parametrize("kind", USER_KINDS)
def test_crawl_every_url_finds_no_server_error(kind, db, django_user_model, make_job):
    user = crawl_users(django_user_model)[kind]
    world = build_world(make_job)
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    count, answers, problems = crawl(client, seed_urls(world))
    print(f"\ncrawled {count} URLs as {kind}: {dict(answers)}")
    assert problems == []
    assert count > 500
    if kind in ("staff", "superuser"):  # the crawl got in: pages, not only refusals
        assert answers[200] > 150, answers


def test_odd_ids_and_rows_without_files_answer_404_not_500(db, django_user_model, make_job):
    """Unicode digits in an admin id (str.isdigit() takes them, the <int:> URL does not) and a
    batch or asset row without a file: refused as not found, never a server error."""
    client = Client(raise_request_exception=False)
    client.force_login(crawl_users(django_user_model)["superuser"])
    world = build_world(make_job)
    for url in ("/admin/jobs/job/%D9%A2/change/", "/admin/jobs/job/%C2%B2/change/",
                reverse("review:batch_csv", args=[world["fileless_batch"].pk]),
                reverse("review:asset", args=[world["fileless_asset"].pk])):
        answer = client.get(url)
        # (the admin's own lookup reads "٢" as 2, as int() does: a page, or its "does not exist")
        assert answer.status_code in (200, 302, 404), (url, answer.status_code)
    page = client.get(reverse("admin:jobs_job_review", args=[world["fileless_asset"].job_id]))
    assert page.status_code == 200


# --- Malformed posts to the pages' action forms ------------------------------------------------


def multipart(client, url, data):
    return client.post(url, data)  # the test client's default: multipart/form-data


def urlencoded(client, url, data):
    return client.post(url, urlencode(data, doseq=True), content_type="application/x-www-form-urlencoded")


BIG = "99999999999999999999"
# (form, what the message the page shows must say): never a valid move, so nothing may change.
MALFORMED_FORMS = [
    ({"action": "send_back", "reason": "no\x00pe"}, "NUL"),
    ({"action": "send_back", "reason": "r", "to_stage": "\u0662"}, "2 or 3"),  # Arabic-Indic two
    ({"action": "send_back", "reason": "r", "to_stage": "\u00b2"}, "2 or 3"),  # superscript two
    ({"action": "send_back", "reason": "r", "to_stage": BIG}, "2 or 3"),
    ({"action": "send_back", "reason": "r", "to_stage": "-1"}, "2 or 3"),
    ({"action": "send_back", "reason": "x" * 10_001, "to_stage": "2"}, "longer than"),
    ({"action": "save", "m0_layer": "\u00b2"}, "layer id"),
    ({"action": "save", "m0_layer": "\u0662"}, "layer id"),
    ({"action": "save", "m0_layer": "abc"}, "layer id"),
    ({"action": "save", "m0_layer": BIG + BIG}, "layer id"),
    ({"action": "save", "m1_layer": BIG}, "layer id"),
    ({"action": "save", "m1_layer": "-" + BIG[:15]}, "no layer with id"),
    ({"action": "approve_matching", "m1_layer": "3", "m1_fit": "zo\x00om"}, "NUL"),
    ({"action": "approve_anyway", "m1_layer": "3", "m1_fit": "zoom"}, "fit mode"),
    ({"action": "approve_preview", "notes": "\x00"}, "NUL"),
    ({"action": "sign_off", "reason": "x" * 10_001}, "longer than"),
    ({"action": "retry\x00"}, "NUL"),
    ({"action": "\u0662"}, "Unknown action"),
    ({"action": "retry", "to_stage\x00": "2"}, "NUL"),
]


def action_urls(job) -> list[str]:
    return [reverse("review:dashboard_job_action", args=[job.pk]), reverse("admin:jobs_job_review", args=[job.pk])]


def snapshot(world) -> list:
    jobs = Job.objects.order_by("pk").values_list("pk", "stage", "status", "matches", "version")
    return [list(jobs), JobLog.objects.count()]


@pytest.mark.parametrize("encode", [multipart, urlencoded])
def test_malformed_action_forms_are_refused_with_a_message_and_change_nothing(encode, db, django_user_model,
                                                                               make_job):
    world = build_world(make_job)
    superuser = crawl_users(django_user_model)["superuser"]
    client = Client(raise_request_exception=False)
    client.force_login(superuser)
    before = snapshot(world)
    problems = []
    for job in (world["stage2"], world["deploy"]):
        for url in action_urls(job):
            for form, expected in MALFORMED_FORMS:
                response = encode(client, url, form)
                if response.status_code == 400 and encode is urlencoded and "NUL" in expected:
                    continue  # the request guard refused the urlencoded NUL before the view
                if response.status_code != 302:
                    problems.append((url, form, response.status_code, problem(url, response)))
                    continue
                if encode is urlencoded:
                    continue  # the same parsing as multipart's: its messages are checked there
                page = client.get(response["Location"])
                shown = " | ".join(str(m) for m in page.context["messages"]) if page.context else ""
                if expected not in shown or NOT_FOR_USERS.search(shown):
                    problems.append((url, str(form)[:80], shown[:200]))
    assert problems == []
    assert snapshot(world) == before


def test_the_refusals_name_the_bad_value(client, db, django_user_model, make_job):
    world = build_world(make_job)
    client.force_login(crawl_users(django_user_model)["superuser"])
    url = reverse("review:dashboard_job_action", args=[world["deploy"].pk])
    page = client.post(url, {"action": "send_back", "reason": "r", "to_stage": "\u00b2"}, follow=True)
    assert [str(m) for m in page.context["messages"]] == [
        "The stage to send the job back to must be 2 or 3, not '\u00b2'."]
    url = reverse("admin:jobs_job_review", args=[world["stage2"].pk])
    page = client.post(url, {"action": "save", "m0_layer": "\u0662"}, follow=True)
    assert [str(m) for m in page.context["messages"]] == [
        "The PSD layer chosen for Main placeholder title must be a layer id (a whole number) or none, not '\u0662'."]
    page = client.post(url, {"action": "send_back", "reason": "bad\x00reason"}, follow=True)
    assert [str(m) for m in page.context["messages"]] == [
        "The form field 'reason' holds a NUL character (%00), which is never valid: remove it."]


def test_valid_forms_still_work_after_the_checks(client, db, django_user_model, make_job,
                                                  django_capture_on_commit_callbacks):
    world = build_world(make_job)
    client.force_login(crawl_users(django_user_model)["superuser"])
    review = reverse("admin:jobs_job_review", args=[world["stage2"].pk])
    client.post(review, {"action": "save", "m0_layer": " 1 ", "m1_layer": "", "m1_fit": "fill"})
    matches = Job.objects.get(pk=world["stage2"].pk).matches
    assert (matches[0]["psd_layer_id"], matches[1]["psd_layer_id"]) == (1, None)
    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse("review:dashboard_job_action", args=[world["deploy"].pk]),
                    {"action": "send_back", "reason": "redo", "to_stage": " 3 "})
    assert Job.objects.get(pk=world["deploy"].pk).stage == Stage.APPROVE_PREVIEW


def test_broken_multipart_and_uploads_are_refused_without_a_server_error(db, django_user_model, make_job):
    world = build_world(make_job)
    client = Client(raise_request_exception=False)
    client.force_login(crawl_users(django_user_model)["superuser"])
    before, batches = snapshot(world), Batch.objects.count()
    broken = b"--xyz\r\nContent-Disposition: form-data; name=\"action\"\r\n\r\nretry"  # no closing boundary
    responses = {}
    for url in [*action_urls(world["stage2"]), reverse("review:dashboard_upload"), "/api/batch/upload",
                f"/api/job/{world['deploy'].job_id}/send-back"]:
        responses[url, "broken"] = client.generic("POST", url, broken, content_type="multipart/form-data; boundary=xyz")
        responses[url, "no boundary"] = client.generic("POST", url, b"x", content_type="multipart/form-data")
    for url in (reverse("review:dashboard_upload"),):
        for name, data in (("nul.csv", b"job_id\x00,psd_path\n"), ("bad\x00name.csv", b"job_id\n"),
                           ("latin1.csv", "job_id,client_name\nJ-1,Caf\u00e9\n".encode("latin-1")),
                           ("big.csv", b"job_id,line\nJ-1," + BIG.encode() * 50 + b"\n")):
            responses[url, name] = client.post(url, {"csv_file": SimpleUploadedFile(name, data, "text/csv")})
        responses[url, "not a file"] = client.post(url, {"csv_file": "job_id\n"})
    problems = {key: (r.status_code, problem(key[0], r)) for key, r in responses.items() if problem(key[0], r)}
    assert problems == {}
    assert snapshot(world) == before and Batch.objects.count() == batches


def test_api_action_bodies_with_unicode_digits_and_huge_numbers_are_json_400s(client, db, django_user_model,
                                                                               make_job):
    world = build_world(make_job)
    token = api_token_create(user=crawl_users(django_user_model)["superuser"], name="crawl").raw
    deploy, stage2 = world["deploy"].job_id, world["stage2"].job_id
    cases = [
        (f"/api/job/{deploy}/send-back", {"reason": "r", "to_stage": "\u0662"}, "to_stage: must be 2"),
        (f"/api/job/{deploy}/send-back", {"reason": "r", "to_stage": int(BIG)}, "to_stage: must be 2"),
        (f"/api/job/{deploy}/send-back", {"reason": "r", "to_stage": "2"}, "to_stage: must be 2"),
        (f"/api/job/{stage2}/approve-stage2",
         {"matches": [{"composition": "Main", "layer_index": int(BIG), "psd_layer_id": 1}]}, "no placeholder"),
        (f"/api/job/{stage2}/approve-stage2",
         {"matches": [{"composition": "Main", "layer_index": 2, "psd_layer_id": int(BIG)}]}, "no layer with id"),
        (f"/api/job/{stage2}/approve-stage2", {"matches": [{"composition": "Main", "layer_index": "\u0662",
                                                            "psd_layer_id": 1}]}, "layer_index"),
        (f"/api/jobs/stage/2?batch={BIG}", None, "batch"),
        ("/api/jobs/stage/2?batch=%D9%A2", None, "batch"),
    ]
    before = snapshot(world)
    for url, body, expected in cases:
        if body is None:
            response = client.get(url, **bearer(token))
        else:
            response = client.post(url, json.dumps(body), content_type="application/json", **bearer(token))
        assert response.status_code == 400, (url, response.content)
        assert problem(url, response) is None
        assert response.json()["code"] == "invalid" and expected in response.json()["message"], response.json()
    assert snapshot(world) == before
