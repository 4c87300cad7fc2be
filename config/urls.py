"""Root URLconf: the operator console now; each face adds its routes as it lands."""
from django.urls import include, path

from cognito_api.views import dispatch as cognito_api
from hostedui.demo import callback_demo
from identity.admin_site import admin_site

urlpatterns = [
    path("admin/", admin_site.urls),
    path("callback-demo", callback_demo, name="callback-demo"),
    path("", cognito_api, name="cognito-api"),
    path("", include("oidc.urls")),
    path("", include("hostedui.urls")),
]
