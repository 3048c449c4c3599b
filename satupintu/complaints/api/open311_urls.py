from django.urls import re_path

from satupintu.complaints.api import open311

app_name = "open311"

FMT = r"\.(?P<fmt>\w+)$"
urlpatterns = [
    re_path(r"^discovery" + FMT, open311.discovery, name="discovery"),
    re_path(r"^v2/discovery" + FMT, open311.discovery, name="discovery-v2"),
    re_path(r"^v2/services" + FMT, open311.service_list, name="services"),
    re_path(r"^v2/services/(?P<code>[\w-]+)" + FMT, open311.service_definition, name="service"),
    re_path(r"^v2/requests" + FMT, open311.request_list, name="requests"),
    re_path(r"^v2/requests/(?P<request_id>[\w-]+)" + FMT, open311.request_detail, name="request"),
    re_path(r"^v2/tokens/(?P<token>[\w-]+)" + FMT, open311.token, name="token"),
]
