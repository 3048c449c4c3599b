from django.urls import path

from satupintu.stats.api import views

urlpatterns = [
    path(
        "stats/<slug:mall>/<int:year>/<int:month>/",
        views.MonthStatsView.as_view(),
        name="stats-month",
    ),
    path(
        "stats/<slug:mall>/<int:year>/<int:month>/csv/",
        views.MonthCsvView.as_view(),
        name="stats-month-csv",
    ),
]
