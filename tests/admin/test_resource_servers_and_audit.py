"""Resource servers through their services; the audit trail read-only, filtered and searched."""
from __future__ import annotations

from identity import events
from identity.context import SYSTEM
from identity.models import AuditEvent, ResourceServer
from identity.services import pools
from tests import factories
from tests.admin.conftest import admin_url, form_data


def test_resource_server_created_and_updated_through_services(console, pool):
    data = {"pool": pool.pk, "identifier": "https://api.example.com", "name": "API", "scope_lines": "read Read things\nwrite"}
    assert console.post(admin_url("identity_resourceserver_add"), data).status_code == 302
    server = ResourceServer.objects.get(pool=pool)
    assert server.full_scope_names() == ["https://api.example.com/read", "https://api.example.com/write"]
    assert server.scopes[0]["ScopeDescription"] == "Read things"
    page = console.get(admin_url("identity_resourceserver_change", server.pk))
    console.post(admin_url("identity_resourceserver_change", server.pk), {**form_data(page), "scope_lines": "admin"})
    server.refresh_from_db()
    assert server.full_scope_names() == ["https://api.example.com/admin"]
    assert AuditEvent.objects.filter(event_type="UpdateResourceServer", actor="operator:ops").exists()


def test_resource_server_errors_are_form_errors(console, pool):
    pools.create_resource_server(pool=pool, identifier="api", name="API", context=SYSTEM)
    duplicate = console.post(admin_url("identity_resourceserver_add"), {"pool": pool.pk, "identifier": "api", "name": "Again"})
    assert duplicate.status_code == 200 and "already exists" in duplicate.content.decode()
    bad = console.post(admin_url("identity_resourceserver_add"), {"pool": pool.pk, "identifier": "x", "name": "X", "scope_lines": 'bad"scope'})
    assert bad.status_code == 200 and "Invalid scope name" in bad.content.decode()
    assert ResourceServer.objects.filter(pool=pool).count() == 1


def test_audit_filters_and_search(console, pool):
    ana = factories.create_user(pool=pool, username="ana", attributes={"email": "ana@example.com"})
    bob = factories.create_user(pool=pool, username="bob")
    events.user_disabled(user=ana, context=SYSTEM)
    events.user_enabled(user=bob, context=SYSTEM)
    url = admin_url("identity_auditevent_changelist")
    by_type = console.get(url, {"event_type": "AdminDisableUser"}).context["cl"].result_list
    assert [e.username for e in by_type] == ["ana"]
    by_pool = console.get(url, {"pool__id__exact": pool.pk}).context["cl"].result_list
    assert {e.username for e in by_pool} == {"ana", "bob", ""}  # "" is CreateUserPool
    assert [e.username for e in console.get(url, {"q": "ana@ex"}).context["cl"].result_list] == ["ana"]
    assert [e.username for e in console.get(url, {"q": str(bob.sub)}).context["cl"].result_list] == ["bob"]
    page = console.get(url)
    assert "AdminDisableUser" in page.content.decode() and page.context["cl"].date_hierarchy == "created_at"


def test_pool_deletion_event_still_names_its_pool(console):
    doomed = factories.create_pool(name="doomed")
    pool_id = doomed.pk
    pools.delete_user_pool(pool=doomed, context=SYSTEM)
    page = console.get(admin_url("identity_auditevent_changelist"), {"event_type": "DeleteUserPool"}).content.decode()
    assert pool_id in page
