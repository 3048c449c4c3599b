"""The placeholders each event offers its templates, with example values for previews."""

from satupintu.notify.models import Event

_COMMON = {
    "name": "Siti Aminah",
    "mall": "MPP Kota Bogor",
    "link": "https://mpp.example.go.id/lacak/MPP-2026-000123",
}

_VISIT = {
    **_COMMON,
    "service": "Penerbitan KTP-el Baru",
    "code": "BGR-7K2Q",
    # The signed link to the visit's calendar file, for channels that cannot carry the file.
    "calendar_link": (
        "https://mpp.example.go.id/kunjungan/kalender/eyJ0ZXN0IjoxfQ:1v5qVz/kunjungan.ics"
    ),
}

EXAMPLES: dict[str, dict[str, str]] = {
    Event.BOOKING_CONFIRMED: {
        **_VISIT,
        "service": "Penerbitan KTP-el Baru",
        "date": "Senin, 6 April 2026",
        "time": "09.00",
        "code": "BGR-7K2Q",
    },
    Event.BOOKING_MOVED: {
        **_VISIT,
        "service": "Penerbitan KTP-el Baru",
        "old_date": "Rabu, 1 April 2026",
        "date": "Senin, 13 April 2026",
        "time": "09.00",
        "code": "BGR-7K2Q",
        "decree": "443.1/1215.DPMPTSP",
    },
    Event.BOOKING_RELEASED: {
        **_VISIT,
        "service": "Penerbitan KTP-el Baru",
        "old_date": "Rabu, 1 April 2026",
        "code": "BGR-7K2Q",
        "decree": "443.1/1215.DPMPTSP",
    },
    Event.BOOKING_REMINDER: {
        **_VISIT,
        "service": "Penerbitan KTP-el Baru",
        "date": "Senin, 6 April 2026",
        "time": "09.00",
        "code": "BGR-7K2Q",
    },
    Event.BOOKING_CANCELLED: {
        **_VISIT,
        "date": "Senin, 6 April 2026",
        "time": "09.00",
    },
    Event.APPLICATION_RECEIVED: {
        **_COMMON,
        "service": "Persetujuan Bangunan Gedung (PBG)",
        "tracking": "MPP-2026-000123",
    },
    Event.APPLICATION_UPDATED: {
        **_COMMON,
        "service": "Persetujuan Bangunan Gedung (PBG)",
        "tracking": "MPP-2026-000123",
        "state": "Diproses — Verifikasi",
    },
    Event.REVISION_REQUESTED: {
        **_COMMON,
        "service": "Persetujuan Bangunan Gedung (PBG)",
        "tracking": "MPP-2026-000123",
        "note": "Gambar denah belum ditandatangani.",
    },
    Event.SURVEY_SCHEDULED: {
        **_COMMON,
        "service": "Persetujuan Bangunan Gedung (PBG)",
        "tracking": "MPP-2026-000123",
        "date": "Kamis, 9 April 2026",
        "time": "10.00",
        "mode": "telekonferensi",
        "where": "https://meet.jit.si/SurveiMPP2026000123-x7Qd2",
    },
    Event.DECISION_MADE: {
        **_COMMON,
        "service": "Persetujuan Bangunan Gedung (PBG)",
        "tracking": "MPP-2026-000123",
        "decision": "disetujui",
    },
    Event.DOCUMENT_READY: {
        **_COMMON,
        "service": "Persetujuan Bangunan Gedung (PBG)",
        "tracking": "MPP-2026-000123",
    },
    Event.COMPLAINT_ROUTED: {
        **_COMMON,
        "tracking": "LPR-2026-000045",
        "title": "Pungutan di loket KTP-el",
        "due": "Rabu, 2 Desember 2026",
    },
    Event.COMPLAINT_ESCALATED: {
        **_COMMON,
        "tracking": "LPR-2026-000045",
        "title": "Pungutan di loket KTP-el",
        "due": "Rabu, 2 Desember 2026",
    },
    Event.COMPLAINT_ANSWERED: {
        **_COMMON,
        "tracking": "ADU-2026-000045",
        "answer": "Loket KTP-el kini buka pukul 08.00.",
    },
    Event.COMPLAINT_FILED: {
        **_COMMON,
        "link": "https://mpp.example.go.id/pengaduan/LPR-2026-000045/q8Xc2kR7vN1mZ4tB0yW5hJ3sLpD6fG9a/",
        "tracking": "LPR-2026-000045",
        "title": "Pungutan di loket KTP-el",
    },
    Event.CONSULTATION_ANSWERED: {
        **_COMMON,
        "link": "https://mpp.example.go.id/akun/konsultasi/12/",
        "service": "Persetujuan Bangunan Gedung (PBG)",
        "subject": "Syarat PBG rumah",
        "answer": "Untuk rumah 1 lantai gambar struktur sederhana sudah cukup.",
    },
    Event.ACCOUNT_CLOSED: {
        **_COMMON,
        "mall": "Satu Pintu",
        "link": "https://mpp.example.go.id/verify/",
    },
    Event.PASSWORD_RESET: {
        **_COMMON,
        "mall": "Satu Pintu",
        "code": "482913",
        "valid": "30 menit",
        "link": "https://mpp.example.go.id/lupa-sandi/tautan/3q2-x7Qd2/",
    },
    Event.ACCOUNT_CLAIM: {
        **_COMMON,
        "mall": "Satu Pintu",
        "code": "482913",
        "valid": "7 hari",
        "link": "https://mpp.example.go.id/lupa-sandi/tautan/3q2-x7Qd2/",
    },
    Event.REGISTRATION_CODE: {
        **_COMMON,
        "mall": "Satu Pintu",
        "code": "482913",
        "link": "https://mpp.example.go.id/",
    },
    Event.SURVEY_INVITATION: {
        **_COMMON,
        "service": "Penerbitan KTP-el Baru",
        "agency": "Disdukcapil Kota Bogor",
        "link": "https://mpp.example.go.id/survei/q8Xc2kR7vN1mZ4tB0yW5hJ3sLpD6fG9a/",
        "valid": "30 hari",
    },
}
