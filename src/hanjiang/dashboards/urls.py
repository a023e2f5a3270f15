from django.urls import path

from hanjiang.dashboards import views

app_name = "dashboards"
urlpatterns = [
    path("", views.home, name="home"),
    path("audit/", views.audit_list, name="audit-list"),
    path("index/", views.development_index, name="index"),
]
