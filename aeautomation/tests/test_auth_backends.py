"""The one-query permission backend answers exactly what Django's ModelBackend answers."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.contrib.auth.models import Group, Permission

from aeautomation.auth_backends import ModelBackend

pytestmark = pytest.mark.django_db


def perm(codename: str) -> Permission:
    return Permission.objects.get(codename=codename)


@pytest.fixture
def people():
    users = get_user_model().objects
    reviewers = Group.objects.create(name="t-reviewers")
    reviewers.permissions.add(perm("approve_matching"), perm("view_job"))
    both = users.create_user("both", is_staff=True)
    both.user_permissions.add(perm("view_job"), perm("change_batch"))  # view_job twice: own and its group's
    both.groups.add(reviewers)
    grouped = users.create_user("grouped", is_staff=True)
    grouped.groups.add(reviewers)
    own = users.create_user("own")
    own.user_permissions.add(perm("change_batch"))
    gone = users.create_user("gone", is_active=False)
    gone.groups.add(reviewers)
    return {"both": both, "grouped": grouped, "own": own, "gone": gone, "nobody": users.create_user("nobody"),
            "root": users.create_superuser("root", password="x")}


def fresh(user):
    return get_user_model().objects.get(pk=user.pk)  # no permission cache yet


def test_the_same_permissions_as_djangos_backend(people):
    for name, user in people.items():
        ours, django = ModelBackend().get_all_permissions(fresh(user)), DjangoModelBackend().get_all_permissions(fresh(user))
        assert ours == django, name
    assert ModelBackend().get_all_permissions(fresh(people["both"])) >= {
        "jobs.approve_matching", "jobs.view_job", "batches.change_batch"}
    assert ModelBackend().get_all_permissions(fresh(people["gone"])) == set()
    assert len(ModelBackend().get_all_permissions(fresh(people["root"]))) == Permission.objects.count()


def test_one_query_per_user_then_none(people, django_assert_num_queries, settings):
    assert settings.AUTHENTICATION_BACKENDS == ["aeautomation.auth_backends.ModelBackend"]
    user = fresh(people["both"])
    with django_assert_num_queries(1):
        assert user.has_perm("jobs.approve_matching")
        assert user.has_perm("batches.change_batch")
        assert not user.has_perm("jobs.approve_preview")
    assert fresh(people["grouped"]).has_perm("jobs.approve_matching")
    assert not fresh(people["own"]).has_perm("jobs.approve_matching")
    assert not fresh(people["gone"]).has_perm("jobs.view_job")
