from django.urls import path

from hanjiang.crossborder import views

app_name = "crossborder"
urlpatterns = [
    path("", views.index, name="index"),
    path("workbench/", views.workbench, name="workbench"),
    path("filing/", views.filing_edit, name="filing"),
    path("filings/", views.filing_list, name="filings"),
    path("messages/<int:message_id>/", views.message_detail, name="message"),
    path("trades/<int:order_id>/", views.trade, name="trade"),
    path("rates/", views.rates, name="rates"),
]
