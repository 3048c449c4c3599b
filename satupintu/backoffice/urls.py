from django.urls import path

from satupintu.backoffice import cases, reports, stats, surveys, views

app_name = "backoffice"

urlpatterns = [
    path("", views.start, name="start"),
    path("permohonan/", cases.queue, name="cases"),
    path("permohonan/baru/", cases.walk_in, name="case-new"),
    path("permohonan/<int:pk>/", cases.case_detail, name="case"),
    path("permohonan/<int:pk>/tindak/", cases.case_act, name="case-act"),
    path("permohonan/<int:pk>/catatan/", cases.case_note, name="case-note"),
    path("permohonan/<int:pk>/tugaskan/", cases.case_assign, name="case-assign"),
    path("permohonan/<int:pk>/survei/", cases.survey_schedule, name="case-survey"),
    path(
        "permohonan/<int:pk>/survei/<int:survey_pk>/hasil/",
        cases.survey_complete,
        name="case-survey-result",
    ),
    path("permohonan/<int:pk>/slip-klaim/", cases.claim_slip, name="case-claim-slip"),
    path("permohonan/<int:pk>/cabut/", cases.document_revoke, name="case-revoke"),
    path("permohonan/<int:pk>/berkas/<int:document_pk>/", cases.case_file, name="case-file"),
    path("permohonan/<int:pk>/dokumen.pdf", cases.case_product, name="case-product"),
    path("permohonan/<int:pk>/oss/", cases.case_oss, name="case-oss"),
    path("permohonan/<int:pk>/oss/izin-ds.pdf", cases.case_oss_file, name="case-oss-file"),
    path("<slug:slug>/meja-depan/", views.front_desk, name="front-desk"),
    path("loket/<int:pk>/", views.counter, name="counter"),
    path("<slug:slug>/pengaduan/", reports.report_list, name="reports"),
    path("<slug:slug>/konsultasi/", reports.consultation_list, name="consultations"),
    path("<slug:slug>/ikm/", surveys.results, name="ikm"),
    path("<slug:slug>/ikm/laporan.pdf", surveys.results_pdf, name="ikm-pdf"),
    path("<slug:slug>/ikm/laporan.xlsx", surveys.results_xlsx, name="ikm-xlsx"),
    path("<slug:slug>/ikm/kertas/", surveys.paper_entry, name="ikm-paper"),
    path("<slug:slug>/statistik/", stats.mall_stats, name="stats"),
    path("<slug:slug>/statistik/data.csv", stats.mall_stats_csv, name="stats-csv"),
    path("<slug:slug>/statistik/data.xlsx", stats.mall_stats_xlsx, name="stats-xlsx"),
    path("<slug:slug>/statistik/laporan-bulanan.pdf", stats.mall_stats_pdf, name="stats-pdf"),
    path("nasional/", stats.national, name="national"),
    path("nasional/data.csv", stats.national_csv, name="national-csv"),
    path("nasional/data.xlsx", stats.national_xlsx, name="national-xlsx"),
    path("konsultasi/<int:pk>/", reports.consultation_detail, name="consultation"),
    path("pengaduan/<str:tracking_id>/", reports.report_detail, name="report"),
    path("pengaduan/<str:tracking_id>/tindak/", reports.report_act, name="report-act"),
    path(
        "pengaduan/<str:tracking_id>/lampiran/<int:pk>/",
        reports.report_attachment,
        name="report-attachment",
    ),
]
