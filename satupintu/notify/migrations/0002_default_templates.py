"""Default wording of every event, in Indonesian and English, on every channel.

Managers override them per mall in the admin; these stay as the fallback.
"""

from django.db import migrations

TEXTS = {
    "booking_confirmed": {
        "id": ("Kunjungan {{ code }} terkonfirmasi",
               "kunjungan Anda untuk {{ service }} di {{ mall }} pada {{ date }} pukul {{ time }} "
               "telah terkonfirmasi. Kode booking: {{ code }}."),
        "en": ("Visit {{ code }} confirmed",
               "your visit for {{ service }} at {{ mall }} on {{ date }} at {{ time }} is "
               "confirmed. Booking code: {{ code }}."),
    },
    "booking_moved": {
        "id": ("Kunjungan {{ code }} dipindahkan",
               "sesuai SK {{ decree }}, {{ mall }} tutup pada {{ old_date }}. Kunjungan Anda untuk "
               "{{ service }} kami pindahkan ke {{ date }} pukul {{ time }}. Konfirmasi atau pilih "
               "hari lain melalui tautan berikut."),
        "en": ("Visit {{ code }} moved",
               "under decree {{ decree }}, {{ mall }} is closed on {{ old_date }}. We moved your "
               "visit for {{ service }} to {{ date }} at {{ time }}. Confirm it or choose another "
               "day with the link below."),
    },
    "booking_reminder": {
        "id": ("Pengingat kunjungan besok",
               "besok, {{ date }} pukul {{ time }}, Anda dijadwalkan datang ke {{ mall }} untuk "
               "{{ service }}. Tunjukkan kode {{ code }} saat check-in."),
        "en": ("Reminder: your visit tomorrow",
               "tomorrow, {{ date }} at {{ time }}, you are expected at {{ mall }} for "
               "{{ service }}. Show code {{ code }} at check-in."),
    },
    "application_received": {
        "id": ("Permohonan {{ tracking }} diterima",
               "permohonan {{ service }} Anda telah kami terima dengan nomor {{ tracking }}. "
               "Pantau statusnya melalui tautan berikut."),
        "en": ("Application {{ tracking }} received",
               "we received your application for {{ service }} with number {{ tracking }}. "
               "Follow its status with the link below."),
    },
    "revision_requested": {
        "id": ("Permohonan {{ tracking }} perlu diperbaiki",
               "berkas permohonan {{ tracking }} ({{ service }}) perlu diperbaiki: {{ note }}"),
        "en": ("Application {{ tracking }} needs changes",
               "the documents of application {{ tracking }} ({{ service }}) need changes: "
               "{{ note }}"),
    },
    "survey_scheduled": {
        "id": ("Survei lapangan {{ tracking }} dijadwalkan",
               "survei lapangan untuk permohonan {{ tracking }} dijadwalkan pada {{ date }} pukul "
               "{{ time }} ({{ mode }})."),
        "en": ("Field survey for {{ tracking }} scheduled",
               "the field survey for application {{ tracking }} is scheduled on {{ date }} at "
               "{{ time }} ({{ mode }})."),
    },
    "decision_made": {
        "id": ("Keputusan atas permohonan {{ tracking }}",
               "permohonan {{ tracking }} ({{ service }}) telah diputuskan: {{ decision }}."),
        "en": ("Decision on application {{ tracking }}",
               "application {{ tracking }} ({{ service }}) has been decided: {{ decision }}."),
    },
    "document_ready": {
        "id": ("Dokumen {{ tracking }} siap dicetak",
               "dokumen {{ service }} untuk permohonan {{ tracking }} telah terbit dan dapat "
               "dicetak mandiri melalui tautan berikut."),
        "en": ("Document {{ tracking }} is ready",
               "the {{ service }} document of application {{ tracking }} has been issued; print "
               "it yourself with the link below."),
    },
    "complaint_answered": {
        "id": ("Pengaduan {{ tracking }} telah dijawab",
               "pengaduan Anda {{ tracking }} telah dijawab: {{ answer }}"),
        "en": ("Complaint {{ tracking }} answered",
               "your complaint {{ tracking }} has been answered: {{ answer }}"),
    },
}
GREETING = {"id": "Yth. {{ name }}", "en": "Dear {{ name }}"}
CLOSING = {"id": "Salam,\n{{ mall }}", "en": "Regards,\n{{ mall }}"}


def rows_for(MessageTemplate, texts):
    """The four channels' wording of each event of ``texts``, in each language."""
    rows = []
    for event, languages in texts.items():
        for language, (subject, sentence) in languages.items():
            greeting, closing = GREETING[language], CLOSING[language]
            long_text = f"{greeting},\n\n{sentence[0].upper()}{sentence[1:]}\n\n{{{{ link }}}}\n\n{closing}"
            short_text = f"{greeting}, {sentence} {{{{ link }}}}"
            html = (f"<p>{greeting},</p><p>{sentence[0].upper()}{sentence[1:]}</p>"
                    f'<p><a href="{{{{ link }}}}">{{{{ link }}}}</a></p>'
                    f"<p>{closing.replace(chr(10), '<br>')}</p>")
            rows += [
                MessageTemplate(event=event, channel="email", language=language, subject=subject,
                                body=long_text, html_body=html),
                MessageTemplate(event=event, channel="whatsapp", language=language,
                                body=short_text, whatsapp_template=f"satupintu_{event}"),
                MessageTemplate(event=event, channel="sms", language=language,
                                body=f"{subject}. {{{{ link }}}}"),
                MessageTemplate(event=event, channel="inapp", language=language,
                                subject=subject, body=sentence[0].upper() + sentence[1:]),
            ]
    return rows


def create(apps, schema_editor):
    MessageTemplate = apps.get_model("notify", "MessageTemplate")
    MessageTemplate.objects.bulk_create(rows_for(MessageTemplate, TEXTS))


def remove(apps, schema_editor):
    apps.get_model("notify", "MessageTemplate").objects.filter(mall__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("notify", "0001_initial")]

    operations = [migrations.RunPython(create, remove)]
