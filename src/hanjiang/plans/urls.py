from django.urls import path

from hanjiang.plans import views

app_name = "plans"
urlpatterns = [
    path("", views.plan_index, name="index"),
    path("load/", views.plan_upload, name="upload"),
    path("<slug:code>/", views.dashboard, name="dashboard"),
    path("<slug:code>/public/", views.public_progress, name="public"),
    path("<slug:code>/report/<int:year>.<str:fmt>", views.report_download, name="report"),
    path(
        "<slug:code>/indicators/<str:indicator_code>/",
        views.indicator_detail,
        name="indicator",
    ),
]
