"""Indonesia's 38 provinces by their Kemendagri code: the first two digits of a mall's region
code (``32.71`` Kota Bogor → ``32`` Jawa Barat)."""

from django.utils.translation import gettext as _

# Kepmendagri 100.1.1-6117/2022 with the Papuan provinces formed in 2022 (93–96). Names are
# the provinces' own, the same in every language.
PROVINCES: dict[str, str] = {
    "11": "Aceh",
    "12": "Sumatera Utara",
    "13": "Sumatera Barat",
    "14": "Riau",
    "15": "Jambi",
    "16": "Sumatera Selatan",
    "17": "Bengkulu",
    "18": "Lampung",
    "19": "Kepulauan Bangka Belitung",
    "21": "Kepulauan Riau",
    "31": "DKI Jakarta",
    "32": "Jawa Barat",
    "33": "Jawa Tengah",
    "34": "DI Yogyakarta",
    "35": "Jawa Timur",
    "36": "Banten",
    "51": "Bali",
    "52": "Nusa Tenggara Barat",
    "53": "Nusa Tenggara Timur",
    "61": "Kalimantan Barat",
    "62": "Kalimantan Tengah",
    "63": "Kalimantan Selatan",
    "64": "Kalimantan Timur",
    "65": "Kalimantan Utara",
    "71": "Sulawesi Utara",
    "72": "Sulawesi Tengah",
    "73": "Sulawesi Selatan",
    "74": "Sulawesi Tenggara",
    "75": "Gorontalo",
    "76": "Sulawesi Barat",
    "81": "Maluku",
    "82": "Maluku Utara",
    "91": "Papua",
    "92": "Papua Barat",
    "93": "Papua Selatan",
    "94": "Papua Tengah",
    "95": "Papua Pegunungan",
    "96": "Papua Barat Daya",
}


def province_code(region_code: str) -> str:
    """The province part of a region code ("32.71" → "32"); "" when it does not start with
    two digits."""
    head = region_code.strip()[:2]
    return head if len(head) == 2 and head.isascii() and head.isdigit() else ""


def province_name(code: str) -> str:
    """The province's name, or a word saying the code names none."""
    return PROVINCES.get(code) or _("Unknown province")
