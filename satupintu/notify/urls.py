from django.urls import path

from satupintu.notify import views

app_name = "notify"

urlpatterns = [
    path("whatsapp/", views.whatsapp_webhook, name="whatsapp-webhook"),
]
