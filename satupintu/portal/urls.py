from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.generic import RedirectView

from satupintu.accounts import views as account_views
from satupintu.accounts.forms import LoginForm
from satupintu.backoffice import views as hall
from satupintu.portal import (
    account,
    applications,
    consultations,
    privacy,
    reports,
    tracking,
    views,
    visits,
)

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("mpp/<slug:slug>/", views.mall_detail, name="mall"),
    path("mpp/<slug:slug>/instansi/<slug:agency_slug>/", views.agency_detail, name="agency"),
    path("mpp/<slug:slug>/kios/", hall.kiosk, name="kiosk"),
    path("mpp/<slug:slug>/layar/", hall.board, name="board"),
    path("mpp/<slug:slug>/layar/panggilan.json", hall.board_calls, name="board-calls"),
    path("layanan/<int:pk>/", views.service_detail, name="service"),
    path("layanan/<int:pk>/booking/", visits.book, name="book"),
    path("layanan/<int:pk>/ajukan/", applications.apply, name="apply"),
    path("akun/permohonan/", applications.application_list, name="applications"),
    path("akun/permohonan/<int:pk>/", applications.application_detail, name="application"),
    path(
        "akun/permohonan/<int:pk>/batal/",
        applications.application_cancel,
        name="application-cancel",
    ),
    path(
        "akun/permohonan/<int:pk>/berkas/<int:document_pk>/",
        applications.document_file,
        name="application-file",
    ),
    path(
        "akun/permohonan/<int:pk>/berkas/<int:document_pk>/hapus/",
        applications.document_remove,
        name="application-file-remove",
    ),
    path(
        "akun/permohonan/<int:pk>/survei/<int:survey_pk>/konfirmasi/",
        applications.survey_confirm,
        name="application-survey-confirm",
    ),
    path(
        "akun/permohonan/<int:pk>/bukti-pendaftaran.pdf",
        applications.receipt,
        name="application-receipt",
    ),
    path("akun/permohonan/<int:pk>/dokumen.pdf", applications.product, name="application-product"),
    path("lacak/", tracking.tracking, name="tracking"),
    path(
        "masuk/",
        auth_views.LoginView.as_view(
            template_name="portal/login.html", authentication_form=LoginForm
        ),
        name="login",
    ),
    path("keluar/", views.SignOutView.as_view(), name="logout"),
    path("daftar/", account.register, name="register"),
    path("daftar/kode/", account.register_code, name="register-code"),
    path("klaim/", account.claim, name="claim"),
    path("lupa-sandi/", account.password_forgot, name="password-forgot"),
    path("lupa-sandi/kode/", account.password_code, name="password-code"),
    path("lupa-sandi/tautan/<str:secret>/", account.password_link, name="password-link"),
    path("layanan/<int:pk>/konsultasi/", consultations.ask, name="consult"),
    path("akun/konsultasi/", consultations.consultation_list, name="consultations"),
    path("akun/konsultasi/<int:pk>/", consultations.consultation, name="consultation"),
    path("pengaduan/", reports.report_new, name="report-new"),
    path("pengaduan/lacak/", reports.report_lookup, name="report-lookup"),
    path("pengaduan/<str:tracking_id>/<str:secret>/", reports.report_detail, name="report"),
    path(
        "pengaduan/<str:tracking_id>/<str:secret>/tanggapi/",
        reports.report_respond,
        name="report-respond",
    ),
    path(
        "pengaduan/<str:tracking_id>/<str:secret>/tanda-terima.txt",
        reports.report_receipt,
        name="report-receipt",
    ),
    path(
        "pengaduan/<str:tracking_id>/<str:secret>/berkas/<int:pk>/",
        reports.report_file,
        name="report-file",
    ),
    path("akun/pengaduan/", reports.my_reports, name="my-reports"),
    path("akun/pengaduan/<str:tracking_id>/", reports.my_report, name="my-report"),
    path(
        "akun/pengaduan/<str:tracking_id>/tanggapi/",
        reports.my_report_respond,
        name="my-report-respond",
    ),
    path(
        "akun/pengaduan/<str:tracking_id>/berkas/<int:pk>/",
        reports.my_report_file,
        name="my-report-file",
    ),
    path("akun/pesan/", views.inbox, name="inbox"),
    path("akun/kunjungan/", visits.booking_list, name="bookings"),
    path(
        "kunjungan/kalender/<str:token>/kunjungan.ics",
        visits.booking_calendar_signed,
        name="booking-ics-signed",
    ),
    path("kunjungan/<str:code>/", visits.booking_detail, name="booking"),
    path("kunjungan/<str:code>/kunjungan.ics", visits.booking_calendar, name="booking-ics"),
    path("kunjungan/<str:code>/batal/", visits.booking_cancel, name="booking-cancel"),
    path("kunjungan/<str:code>/terima/", visits.booking_accept, name="booking-accept"),
    path("akun/", account.profile, name="profile"),
    path("akun/sandi/", account.password_change, name="password-change"),
    # The preferences became part of the profile; old links and messages still lead there.
    path(
        "akun/pengaturan/",
        RedirectView.as_view(pattern_name="portal:profile", permanent=False),
        name="preferences",
    ),
    path("akun/data/", privacy.my_data, name="my-data"),
    path("akun/data/data-saya.json", privacy.my_data_json, name="my-data-json"),
    path("akun/data/data-saya.pdf", privacy.my_data_pdf, name="my-data-pdf"),
    path("akun/data/tutup/", privacy.account_close_view, name="account-close"),
    path("akun/token/", views.api_tokens, name="api-tokens"),
    path("akun/2fa/", account_views.two_factor, name="two-factor"),
    path("akun/2fa/daftar/", account_views.two_factor_enrol, name="two-factor-enrol"),
]
