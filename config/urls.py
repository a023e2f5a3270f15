from django.urls import include, path

from config.api import api
from hanjiang.dashboards.views import switch_language

urlpatterns = [
    path("", include("hanjiang.dashboards.urls")),
    path("accounts/", include("hanjiang.accounts.urls")),
    path("registry/", include("hanjiang.registry.urls")),
    path("reporting/", include("hanjiang.reporting.urls")),
    path("plans/", include("hanjiang.plans.urls")),
    path("network/", include("hanjiang.network.urls")),
    path("crossborder/", include("hanjiang.crossborder.urls")),
    path("catalogue/", include("hanjiang.traceability.urls")),
    path("i18n/setlang/", switch_language, name="set_language"),
    path("api/v1/", api.urls),
]

handler403 = "hanjiang.core.views.permission_denied"
handler404 = "hanjiang.core.views.page_not_found"
