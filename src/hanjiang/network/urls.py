from django.urls import path

from hanjiang.network import views

app_name = "network"
urlpatterns = [
    path("", views.station_list, name="station-list"),
    path("new/", views.station_edit, name="station-create"),
    path("import/", views.station_import, name="station-import"),
    path("table-2-2/", views.table_2_2, name="table-2-2"),
    path("counties/<str:code>/", views.county_network, name="county"),
    path("training/", views.training_list, name="training-list"),
    path("training/import/", views.training_upload, name="training-import"),
    path("designations/", views.designation_list, name="designation-list"),
    path("designations/new/", views.designation_edit, name="designation-create"),
    path("designations/import/", views.designation_import, name="designation-import"),
    path(
        "designations/<int:designation_id>/edit/", views.designation_edit, name="designation-edit"
    ),
    path("<int:station_id>/", views.station_detail, name="station-detail"),
    path("<int:station_id>/edit/", views.station_edit, name="station-edit"),
]
