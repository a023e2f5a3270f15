from django.urls import include, path

from config.api import api
from hanjiang.dashboards.views import switch_language
from hanjiang.traceability import views as trace_views

urlpatterns = [
    path("", include("hanjiang.dashboards.urls")),
    path("accounts/", include("hanjiang.accounts.urls")),
    path("registry/", include("hanjiang.registry.urls")),
    path("reporting/", include("hanjiang.reporting.urls")),
    path("plans/", include("hanjiang.plans.urls")),
    path("network/", include("hanjiang.network.urls")),
    path("crossborder/", include("hanjiang.crossborder.urls")),
    path("catalogue/", include("hanjiang.traceability.urls")),
    # GS1 Digital Link resolver: a lot's code on a pack opens its trace page.
    path("01/<str:gtin>/10/<str:lot>", trace_views.lot_page, name="lot"),
    path("01/<str:gtin>/10/<str:lot>/qr", trace_views.lot_qr, name="lot-qr"),
    path("i18n/setlang/", switch_language, name="set_language"),
    path("api/v1/", api.urls),
]

handler403 = "hanjiang.core.views.permission_denied"
handler404 = "hanjiang.core.views.page_not_found"
