from django.urls import path

from hanjiang.registry import views

app_name = "registry"
urlpatterns = [
    path("divisions/", views.division_tree, name="division-tree"),
    path("divisions/<str:code>/", views.division_detail, name="division-detail"),
    path("divisions/<str:code>/children/", views.division_children, name="division-children"),
    path("areas/", views.area_list, name="area-list"),
    path("areas/<slug:code>/edit/", views.area_edit, name="area-edit"),
    path("organisations/", views.organisation_list, name="organisation-list"),
    path("organisations/new/", views.organisation_create, name="organisation-create"),
    path("organisations/export.xlsx", views.organisation_export, name="organisation-export"),
    path("organisations/template.xlsx", views.organisation_template, name="organisation-template"),
    path("organisations/import/", views.organisation_import, name="organisation-import"),
    path(
        "organisations/<int:organisation_id>/",
        views.organisation_detail,
        name="organisation-detail",
    ),
    path(
        "organisations/<int:organisation_id>/edit/",
        views.organisation_edit,
        name="organisation-edit",
    ),
    path(
        "organisations/<int:organisation_id>/delete/",
        views.organisation_delete,
        name="organisation-delete",
    ),
]
