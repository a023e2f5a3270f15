from django.urls import path

from hanjiang.network import facility_views, views
from hanjiang.network.facilities import SLUGS

app_name = "network"
urlpatterns = [
    path("", views.station_list, name="station-list"),
    path("new/", views.station_edit, name="station-create"),
    path("import/", views.station_import, name="station-import"),
    path("table-2-2/", views.table_2_2, name="table-2-2"),
    path("counties/<str:code>/", views.county_network, name="county"),
    path("training/", views.training_list, name="training-list"),
    path("training/import/", views.training_upload, name="training-import"),
    path("training/<int:session_id>/edit/", views.training_edit, name="training-edit"),
    path("designations/", views.designation_list, name="designation-list"),
    path("designations/new/", views.designation_edit, name="designation-create"),
    path("designations/import/", views.designation_import, name="designation-import"),
    path(
        "designations/<int:designation_id>/edit/", views.designation_edit, name="designation-edit"
    ),
    path("map/", views.network_map, name="map"),
    path("<int:station_id>/", views.station_detail, name="station-detail"),
    path("<int:station_id>/edit/", views.station_edit, name="station-edit"),
]

for slug in SLUGS:
    kwargs = {"slug": slug}
    urlpatterns += [
        path(f"{slug}/", facility_views.record_list, kwargs, name=f"{slug}-list"),
        path(f"{slug}/new/", facility_views.record_edit, kwargs, name=f"{slug}-create"),
        path(f"{slug}/import/", facility_views.record_import, kwargs, name=f"{slug}-import"),
        path(
            f"{slug}/<int:record_id>/", facility_views.record_detail, kwargs, name=f"{slug}-detail"
        ),
        path(
            f"{slug}/<int:record_id>/edit/", facility_views.record_edit, kwargs, name=f"{slug}-edit"
        ),
    ]
