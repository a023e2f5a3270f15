from django.urls import path

from hanjiang.reporting import views

app_name = "reporting"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("metadata/", views.metadata, name="metadata"),
    path("figures/", views.figures, name="figures"),
    path("upload/", views.excel_upload, name="upload"),
    path(
        "template/<str:data_set_code>/<str:period_code>.xlsx", views.excel_template, name="template"
    ),
    path(
        "completeness/<str:data_set_code>/<str:period_code>/",
        views.completeness,
        name="completeness",
    ),
    path("entry/<str:data_set_code>/<str:period_code>/<str:unit>/", views.entry, name="entry"),
    path(
        "entry/<str:data_set_code>/<str:period_code>/<str:unit>/submit/",
        views.submit,
        name="submit",
    ),
    path("reports/<int:submission_id>/<str:decision>/", views.decide, name="decide"),
]
