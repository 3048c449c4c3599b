from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from satupintu import health, languages
from satupintu.metrics.views import metrics

handler400 = "satupintu.middleware.bad_request"
handler404 = "satupintu.portal.views.not_found"
handler500 = "satupintu.middleware.server_error"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    # Not public: a bearer token or the internal network, else 404 (README "Metrics").
    path("metrics", metrics, name="metrics"),
    path("api/v1/", include("satupintu.api.urls")),
    path("webhooks/", include("satupintu.notify.urls")),
    path("open311/", include("satupintu.complaints.api.open311_urls")),
    # OSS RBA's pushes (receiveNIB, receiveFileDS) and the permit files it fetches.
    path("oss/", include("satupintu.cases.oss.urls")),
    # The switcher remembers the choice in the cookie and in the signed-in account.
    path("i18n/setlang/", languages.language_choose, name="set_language"),
    path("admin/", admin.site.urls),
    # Uploaded forms are public documents; production serves them from the reverse proxy.
    path("media/<path:path>", health.media, name="media"),
]
urlpatterns += i18n_patterns(
    path("petugas/", include("satupintu.backoffice.urls")),
    path("verify/", include("satupintu.cases.verify_urls")),
    path("survei/", include("satupintu.surveys.urls")),
    path("", include("satupintu.portal.urls")),
    prefix_default_language=False,
)
