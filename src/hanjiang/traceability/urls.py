from django.urls import path

from hanjiang.traceability import views

app_name = "traceability"
urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("certifications/", views.certifications, name="certifications"),
    path("brands/", views.brands, name="brands"),
    path("regulator/", views.regulator, name="regulator"),
    path("producer/", views.producer, name="producer"),
    path("certificates/<str:number>/", views.certificate, name="certificate"),
    path("recall/", views.recall_list, name="recall"),
]
