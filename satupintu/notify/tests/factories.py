import factory

from satupintu.notify.models import Channel, Event, MessageTemplate


class MessageTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MessageTemplate

    event = Event.APPLICATION_RECEIVED
    channel = Channel.EMAIL
    language = "id"
    subject = "Permohonan {{ tracking }} diterima"
    body = "Yth. {{ name }}, permohonan {{ tracking }} telah kami terima."
    html_body = "<p>Yth. {{ name }}, permohonan <b>{{ tracking }}</b> telah kami terima.</p>"


def ensure_default_template(event: str = Event.APPLICATION_RECEIVED, channel: str = "email"):
    """Transactional tests empty every table when they end, the default wording of migration
    0002 included: a test that runs after one makes sure of the template it uses."""
    template, _created = MessageTemplate.objects.update_or_create(
        mall=None,
        event=event,
        channel=channel,
        language="id",
        defaults={
            "subject": "Permohonan {{ tracking }} diterima"
            if "application" in event
            else "{{ code }}",
            "body": "Yth. {{ name }}, permohonan {{ tracking }} telah kami terima. {{ code }}",
        },
    )
    return template
