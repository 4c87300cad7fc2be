"""Root URLconf: the operator console now; each face adds its routes as it lands."""
from django.urls import include, path

from identity.admin_site import admin_site

urlpatterns = [
    path("admin/", admin_site.urls),
    path("", include("oidc.urls")),
    path("", include("hostedui.urls")),
]
