"""Shared fixtures: named personas for the roles, fast hashing."""

import pytest
from django.contrib.auth.models import Group, User


def pytest_collection_modifyitems(items):
    """Tests that commit for real (transaction=True) all restore the rows that data migrations
    made (roles, wordings). Mixing restoring and non-restoring ones breaks the next restore.
    They also start with an empty task queue (_empty_broker)."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker and marker.kwargs.get("transaction"):
            kwargs = {**marker.kwargs, "serialized_rollback": True}
            item.add_marker(pytest.mark.django_db(*marker.args, **kwargs), append=False)
            item.add_marker(pytest.mark.usefixtures("_empty_broker"))


@pytest.fixture
def _empty_broker():
    """Tasks that earlier tests committed, with no worker running, stay queued. A test's worker
    must not have to work through them first: with the folder broker (no DATABASE_URL or
    CELERY_BROKER_URL, as `make test` on a fresh clone) it reads one file at a time."""
    from config.celery import app

    app.control.purge()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate-limit counters and dedupe keys must not leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _user(username: str, *groups: str, **extra) -> User:
    user = User.objects.create_user(username, f"{username}@example.com", "pw-" + username, **extra)
    for name in groups:
        user.groups.add(Group.objects.get(name=name))
    return user


@pytest.fixture
def marketer(db) -> User:
    return _user("marketer", "Marketer")


@pytest.fixture
def data_admin(db) -> User:
    return _user("dataadmin", "Data admin", is_staff=True)


@pytest.fixture
def outsider(db) -> User:
    """Signed in, but in no role."""
    return _user("outsider")


@pytest.fixture
def marketer_client(client, marketer):
    client.force_login(marketer)
    return client


@pytest.fixture
def outsider_client(client, outsider):
    client.force_login(outsider)
    return client


@pytest.fixture
def eager_tasks():
    """Run Celery tasks in-process, for unit tests of code that enqueues them."""
    from config.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks, eager_tasks):
    """Tasks enqueued with delay_on_commit run when the block exits, as after a commit."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
