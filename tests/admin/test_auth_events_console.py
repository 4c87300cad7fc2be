"""The console's auth events (threat protection): the list, an event's page, search and filters load."""
from identity.context import RequestContext
from identity.models import AuthEvent, UserPool
from identity.services import signin
from tests import factories
from tests.admin.conftest import admin_url


def test_auth_event_list_change_and_search_pages_load(console, pool, client_app, user):
    UserPool.objects.filter(pk=pool.pk).update(threat_protection_mode="AUDIT")
    pool.refresh_from_db()
    signin.initiate_auth(pool=pool, client=client_app, auth_flow="USER_PASSWORD_AUTH",
                         auth_parameters={"USERNAME": user.username, "PASSWORD": factories.DEFAULT_PASSWORD},
                         context=RequestContext(ip_address="203.0.113.7", user_agent="Firefox"))
    event = AuthEvent.objects.get(user=user)
    listed = console.get(admin_url("identity_authevent_changelist"))
    assert listed.status_code == 200 and "203.0.113.7" in listed.content.decode()
    page = console.get(admin_url("identity_authevent_change", event.pk))
    assert page.status_code == 200 and str(event.event_id) in page.content.decode()
    found = console.get(admin_url("identity_authevent_changelist"), {"q": user.username})
    assert found.status_code == 200 and "203.0.113.7" in found.content.decode()
    missed = console.get(admin_url("identity_authevent_changelist"), {"q": "nobody-by-this-name"})
    assert missed.status_code == 200 and "203.0.113.7" not in missed.content.decode()
    filtered = console.get(admin_url("identity_authevent_changelist"), {"response__exact": "Pass", "pool__id__exact": pool.pk})
    assert filtered.status_code == 200 and "203.0.113.7" in filtered.content.decode()
