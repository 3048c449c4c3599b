"""Template filters of messages shown on pages: their links clickable (``notify.links``)."""

from typing import Any

from django import template
from django.utils.safestring import SafeString

from satupintu.notify import links

register = template.Library()


@register.filter(is_safe=True)
def linkify(text: str) -> SafeString:
    return links.linkify(str(text))


@register.filter
def message_link(message: Any) -> str:
    """The link of ``message`` (a Message) that its text lacks, else the empty string."""
    return links.link_to_show(message.body, (message.context or {}).get("link"))
