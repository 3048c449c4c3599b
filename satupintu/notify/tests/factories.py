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
