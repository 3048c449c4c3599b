"""The read replica, against a second real database: reads marked heavy go to it; writes,
transactions, requests that write and every other read stay on default."""

import contextlib
import copy
import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import DatabaseError, connections, router, transaction
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory, override_settings

from satupintu import db
from satupintu.catalog import search
from satupintu.catalog.models import Service
from satupintu.catalog.selectors import service_search
from satupintu.catalog.tests.factories import ServiceFactory
from satupintu.complaints.tests.factories import ReportFactory
from satupintu.malls.models import Agency
from satupintu.malls.tests.factories import AgencyFactory, MallFactory

BOTH = pytest.mark.django_db(databases=["default", "replica"])


def _forget_connection(alias: str) -> None:
    if alias in connections:
        connections[alias].close()
        with contextlib.suppress(AttributeError):  # never opened in this thread
            del connections[alias]


class MigratingReplica:
    """While the replica is migrated, the data migrations (written for one database) read and
    write it too."""

    def db_for_read(self, model, **hints):
        return db.REPLICA

    def db_for_write(self, model, **hints):
        return db.REPLICA


@pytest.fixture(scope="session")
def replica_database(django_db_setup, django_db_blocker):
    """A second database on default's server, begun as a copy of the test database (as a
    replica begins as a copy of its primary), named after it (test_satupintu_replica on CI);
    the alias "replica" points at it for the rest of the session. Nothing reads from it unless
    ``routed`` installs the router, as DATABASE_REPLICA_URL does."""
    default = connections["default"]
    if default.vendor != "postgresql":
        pytest.skip("the replica is a PostgreSQL one")
    source = default.settings_dict["NAME"]
    name = f"{source}_replica"
    with django_db_blocker.unblock():
        # CREATE DATABASE ... TEMPLATE needs nobody connected to the template: our connections
        # are closed, unless one holds a transaction (a module's fixture): then migrate.
        copied = not any(c.in_atomic_block for c in connections.all(initialized_only=True))
        if copied:
            connections.close_all()
        with default._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            if copied:
                try:
                    cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
                except DatabaseError:  # another process holds the test database
                    copied = False
            if not copied:
                cursor.execute(f'CREATE DATABASE "{name}"')
        previous = connections.settings.get(db.REPLICA)
        config = copy.deepcopy(default.settings_dict)
        config["NAME"] = name
        config["TEST"] = {**config.get("TEST", {}), "NAME": name, "MIRROR": None}
        _forget_connection(db.REPLICA)
        connections.settings[db.REPLICA] = config
        django_settings.DATABASES[db.REPLICA] = config
        if not copied:
            with override_settings(DATABASE_ROUTERS=[f"{__name__}.MigratingReplica"]):
                call_command("migrate", database=db.REPLICA, verbosity=0)
    yield name
    with django_db_blocker.unblock():
        _forget_connection(db.REPLICA)
        if previous is None:
            del connections.settings[db.REPLICA]
            django_settings.DATABASES.pop(db.REPLICA, None)
        else:
            connections.settings[db.REPLICA] = django_settings.DATABASES[db.REPLICA] = previous
        with default._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')


@pytest.fixture
def routed(replica_database, settings):
    """The router of DATABASE_REPLICA_URL, and the test's own code unpinned from default."""
    settings.DATABASE_ROUTERS = ["satupintu.db.PrimaryReplicaRouter"]
    token = db._pinned.set(False)
    yield
    db._pinned.reset(token)


def _replicate(*rows) -> None:
    """Copy rows of default to the replica, as replication would (the rows stay default's)."""
    for row in rows:
        copy.copy(row).save(using=db.REPLICA)


def _service_only_in_replica(agency: Agency, name: str) -> Service:
    service = ServiceFactory.build(agency=agency, name=name)
    service.search_text = search.document_text(
        service.name, service.keywords, service.product, agency.name, agency.short_name
    )
    service.save(using=db.REPLICA)
    return service


@pytest.fixture
def two_catalogs(routed):
    """The same mall and agency in both databases; one service only default has (written after
    the replica's copy) and one only the replica has."""
    agency = AgencyFactory(mall=MallFactory(slug="kota-cermin"))
    _replicate(agency.mall, agency)
    ServiceFactory(agency=agency, name="Izin Reklame Utama")
    _service_only_in_replica(agency, "Izin Reklame Cermin")
    return agency


@BOTH
def test_the_two_databases_hold_different_rows(two_catalogs):
    assert [s.name for s in service_search(query="reklame")] == ["Izin Reklame Utama"]
    on_replica = service_search(query="reklame", using=db.REPLICA)
    assert [s.name for s in on_replica] == ["Izin Reklame Cermin"]


@BOTH
def test_the_api_search_reads_the_replica(client, two_catalogs):
    answer = client.get("/api/v1/services/", {"q": "reklame"})
    assert answer.status_code == 200
    assert [s["name"] for s in answer.json()["results"]] == ["Izin Reklame Cermin"]


@BOTH
def test_the_portal_search_reads_the_replica(client, two_catalogs):
    page = client.get("/", {"q": "reklame"}).content.decode()
    assert "Izin Reklame Cermin" in page
    assert "Izin Reklame Utama" not in page


@BOTH
def test_pages_not_marked_read_default(client, two_catalogs):
    """The agency page is not marked: a manager who has just added a service sees it there."""
    page = client.get("/mpp/kota-cermin/instansi/" + two_catalogs.slug + "/").content.decode()
    assert "Izin Reklame Utama" in page
    assert "Izin Reklame Cermin" not in page


@BOTH
def test_open311_lists_from_the_replica_and_shows_a_new_report_from_default(client, routed):
    mall = MallFactory(slug="kota-cermin")
    old = ReportFactory(mall=mall, title="Antrean terlalu lama di loket")
    _replicate(mall, old)
    new = ReportFactory(mall=mall, title="Toilet rusak di lantai dua")

    listed = client.get("/open311/v2/requests.json", {"jurisdiction_id": "kota-cermin"}).json()
    assert [r["service_request_id"] for r in listed] == [old.tracking_id]
    # The client that has just filed a report fetches it by id: read from default.
    one = client.get(f"/open311/v2/requests/{new.tracking_id}.json")
    assert one.status_code == 200
    assert one.json()[0]["description"] == "Toilet rusak di lantai dua"


@BOTH
def test_a_transaction_or_a_write_keeps_reads_on_default(routed):
    assert db.replica() == db.REPLICA
    with transaction.atomic():
        assert db.replica() == "default"
    assert db.replica() == db.REPLICA
    MallFactory()
    assert db.replica() == "default"


@BOTH
def test_a_request_that_writes_or_may_write_reads_default(routed):
    def view(request: HttpRequest) -> HttpResponse:
        seen = [db.replica()]
        if "write" in request.GET:
            MallFactory()
            seen.append(db.replica())
        return HttpResponse(",".join(seen))

    middleware = db.ReplicaPinMiddleware(view)
    requests = RequestFactory()
    assert middleware(requests.get("/")).content == b"replica"
    assert middleware(requests.post("/")).content == b"default"
    assert middleware(requests.get("/", {"write": "1"})).content == b"replica,default"
    # The pin ends with its request.
    assert middleware(requests.get("/")).content == b"replica"


@BOTH
def test_writes_go_to_default_even_for_a_row_read_from_the_replica(routed):
    service = ServiceFactory(name="Izin Reklame")
    _replicate(service.agency.mall, service.agency, service)
    from_replica = Service.objects.using(db.REPLICA).get(pk=service.pk)
    from_replica.name = "Izin Reklame Baru"
    from_replica.save()
    assert Service.objects.using("default").get(pk=service.pk).name == "Izin Reklame Baru"
    assert Service.objects.using(db.REPLICA).get(pk=service.pk).name == "Izin Reklame"


@BOTH
def test_rows_of_both_databases_may_be_related(routed):
    service = ServiceFactory()
    _replicate(service.agency.mall, service.agency)
    service.agency = Agency.objects.using(db.REPLICA).get(pk=service.agency.pk)
    service.save()
    assert Service.objects.get(pk=service.pk).agency_id == service.agency.pk


def test_only_default_is_migrated(routed):
    assert router.allow_migrate_model("default", Service)
    assert not router.allow_migrate_model(db.REPLICA, Service)


@BOTH
def test_readiness_reports_the_replica(client, routed):
    answer = client.get("/readyz")
    assert answer.status_code == 200
    assert answer.json()["replica"] == "up"


def _settings_process(script: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_REPLICA_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "CELERY_BROKER_URL")
    }
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", script],
        cwd=django_settings.BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )


def test_without_a_replica_url_there_is_no_replica():
    script = (
        "from django.conf import settings as s; from satupintu.db import replica; "
        "print(sorted(s.DATABASES), s.DATABASE_ROUTERS, replica())"
    )
    assert _settings_process(script).stdout.split() == ["['default']", "[]", "default"]


def test_a_replica_url_adds_the_alias_and_the_router():
    script = (
        "from django.conf import settings as s; from satupintu.db import replica; "
        "r = s.DATABASES['replica']; print(r['NAME'], r['HOST'], r['PORT'], "
        "s.DATABASE_ROUTERS[0], replica())"
    )
    out = _settings_process(
        script, DATABASE_REPLICA_URL="postgres://reader@10.0.0.7:5433/satupintu"
    ).stdout.split()
    assert out == ["satupintu", "10.0.0.7", "5433", "satupintu.db.PrimaryReplicaRouter", "replica"]


@pytest.mark.django_db
def test_a_replica_down_degrades_readiness_without_naming_it():
    """Marked reads fail while it is down, every other page works: 200, degraded."""
    test_database = connections["default"].settings_dict
    script = (
        "from django.test import Client; r = Client().get('/readyz'); "
        "print(r.status_code); print(r.content.decode())"
    )
    result = _settings_process(
        script,
        DATABASE_URL=f"postgres://{test_database['USER']}@{test_database['HOST']}:"
        f"{test_database['PORT']}/{test_database['NAME']}",
        DATABASE_REPLICA_URL="postgres://reader:replica-pass@127.0.0.1:1/standby",
    )
    status, body = result.stdout.splitlines()
    assert status == "200"
    assert '"status": "degraded"' in body
    assert '"replica": "down"' in body
    assert '"database": "up"' in body
    for secret in ("reader", "replica-pass", "127.0.0.1", "standby"):
        assert secret not in body
