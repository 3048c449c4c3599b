from django.urls import path

from satupintu.surveys import views

app_name = "surveys"

urlpatterns = [
    path("terima-kasih/", views.thanks, name="thanks"),
    path("<str:token>/", views.survey_form, name="form"),
]
