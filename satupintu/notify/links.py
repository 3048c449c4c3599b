"""Links in the text of messages made clickable, safely: the text is escaped piece by piece and
only http(s) URLs become links; one outside this site is marked nofollow and sends no referrer."""

import re

from django.conf import settings
from django.utils.html import escape, linebreaks
from django.utils.safestring import SafeString, mark_safe

# Up to whitespace or a character that ends a URL in prose or markup.
_URL = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}"


def is_own(url: str) -> bool:
    """Whether ``url`` is a page of this site (SITE_URL)."""
    site = settings.SITE_URL.rstrip("/")
    return bool(site) and (url == site or url.startswith(site + "/"))


def _anchor(url: str) -> str:
    rel = "" if is_own(url) else ' rel="nofollow noopener noreferrer"'
    return f'<a href="{escape(url)}"{rel}>{escape(url)}</a>'


def linkify(text: str) -> SafeString:
    """``text`` as HTML with its http(s) URLs as links; everything else escaped."""
    out: list[str] = []
    position = 0
    for match in _URL.finditer(text):
        url = match.group(0)
        cut = len(url.rstrip(_TRAILING))
        url, trailing = url[:cut], url[cut:]
        out.append(escape(text[position : match.start()]))
        out.append(_anchor(url) if len(url) > len("https://") else escape(url))
        out.append(escape(trailing))
        position = match.end()
    out.append(escape(text[position:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece escaped above


# In HTML already escaped: a URL ends where an escaped quote or bracket starts.
_ESCAPED_URL = re.compile(r"https?://(?:(?!&(?:quot|lt|gt|#x27|#39);)[^\s<>\"'`])+", re.IGNORECASE)
_TAG = re.compile(r"(<[^>]*>)")


def linkify_html(html: str) -> str:
    """``html`` (an email's HTML part, its values escaped) with the URLs of this site in its
    text made links, outside the links it already has. Only this site's: an email may go to
    an address anyone typed into a form, so what others wrote must not become a link in it."""
    if "://" not in html:  # no URL at all (most notices): nothing to look for
        return html
    out: list[str] = []
    in_link = False
    for piece in _TAG.split(html):
        if piece.startswith("<"):
            name = piece[1:].lstrip("/").split(None, 1)[0].rstrip(">").lower() if piece[1:] else ""
            if name == "a":
                in_link = not piece.startswith("</")
            out.append(piece)
        elif in_link or "://" not in piece:  # inside a link, or no URL to look for
            out.append(piece)
        else:
            out.append(_ESCAPED_URL.sub(lambda m: _linked_escaped(m.group(0)), piece))
    return "".join(out)


def _linked_escaped(url: str) -> str:
    cut = len(url.rstrip(_TRAILING))
    url, trailing = url[:cut], url[cut:]
    if not is_own(url.replace("&amp;", "&")):
        return url + trailing
    return f'<a href="{url}">{url}</a>{trailing}'


def html_from_text(text: str) -> SafeString:
    """An email's HTML part made from its plain text: paragraphs, line breaks and links."""
    return mark_safe(linebreaks(linkify(text), autoescape=False))  # noqa: S308 - linkify escaped


def link_to_show(text: str, link: object) -> str:
    """A message's link (its ``link`` value) when its text does not carry it and it is an
    http(s) URL; else the empty string."""
    if not isinstance(link, str) or not re.fullmatch(r"https?://\S+", link, re.IGNORECASE):
        return ""
    return "" if link in text else link
