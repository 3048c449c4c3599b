"""Text normalisation for service search: Indonesian abbreviations, word variants and stems.

Both the indexed text (Service.search_text) and the query pass through the same functions, so
"KTP-el", "e-KTP", "ktp" and "kartu tanda penduduk" meet on the same terms, and "perizinan"
meets "izin". Typos are left to trigram similarity in the database.
"""

import re
import unicodedata

# Canonical term -> the phrases citizens write for it. Each phrase adds the canonical term.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "ktp": ("kartu tanda penduduk", "ktp el", "ktpel", "e ktp", "ektp", "kartu identitas"),
    "kk": ("kartu keluarga",),
    "kia": ("kartu identitas anak",),
    "akta": ("akte",),
    "skck": ("surat keterangan catatan kepolisian", "catatan kepolisian"),
    "sim": ("surat izin mengemudi",),
    "pbg": ("persetujuan bangunan gedung", "imb", "izin mendirikan bangunan"),
    "slf": ("sertifikat laik fungsi",),
    "nib": ("nomor induk berusaha", "oss"),
    "siup": ("surat izin usaha perdagangan",),
    "sip": ("surat izin praktik", "izin praktik", "izin praktek"),
    "str": ("surat tanda registrasi",),
    "npwp": ("nomor pokok wajib pajak",),
    "pbb": ("pajak bumi dan bangunan",),
    "bphtb": ("bea perolehan hak atas tanah dan bangunan",),
    "bpjs": ("badan penyelenggara jaminan sosial", "jkn", "kis"),
    "pdam": ("perumda air minum", "air minum"),
    "umkm": ("usaha mikro kecil dan menengah", "usaha mikro"),
    "paspor": ("passport",),
    "sertifikat": ("sertipikat",),
    "iumk": ("izin usaha mikro kecil",),
}

# Words that say "I want a service" rather than which one; they would only narrow the match.
STOPWORDS = frozenset(
    [
        "dan",
        "atau",
        "yang",
        "di",
        "ke",
        "dari",
        "untuk",
        "dengan",
        "pada",
        "cara",
        "bagaimana",
        "mau",
        "ingin",
        "saya",
        "mengurus",
        "urus",
        "pengurusan",
        "membuat",
        "buat",
        "bikin",
        "pembuatan",
        "permohonan",
        "mohon",
        "layanan",
        "pelayanan",
        "online",
        "daring",
        "baru",
        "the",
        "of",
        "for",
        "how",
        "to",
        "a",
        "an",
    ]
)

_PREFIXES = (
    "meng",
    "meny",
    "mem",
    "men",
    "me",
    "peng",
    "peny",
    "pem",
    "pen",
    "per",
    "pe",
    "ber",
    "be",
    "ter",
    "di",
    "ke",
    "se",
)
_SUFFIXES = ("kan", "an", "i")
_PARTICLES = ("lah", "kah", "nya", "pun")
_MIN_STEM = 4
_NON_WORD = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Lower-case, strip accents and turn every non-alphanumeric run into one space."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NON_WORD.sub(" ", text.lower()).strip()


def stem(word: str) -> str:
    """A light Indonesian stemmer: strips one particle, one suffix and one prefix.

    It is deliberately conservative (the stem keeps at least four letters); what matters is that
    documents and queries are stemmed alike.
    """
    for affixes, strip in ((_PARTICLES, "suffix"), (_SUFFIXES, "suffix"), (_PREFIXES, "prefix")):
        for affix in affixes:
            if strip == "suffix" and word.endswith(affix) and len(word) - len(affix) >= _MIN_STEM:
                word = word[: -len(affix)]
                break
            if strip == "prefix" and word.startswith(affix) and len(word) - len(affix) >= _MIN_STEM:
                word = word[len(affix) :]
                break
    return word


def _with_synonyms(folded: str) -> list[str]:
    padded = f" {folded} "
    extra = [
        canonical
        for canonical, phrases in SYNONYMS.items()
        if any(f" {phrase} " in padded for phrase in phrases)
    ]
    return folded.split() + extra


def document_text(*parts: str) -> str:
    """The text stored in Service.search_text: words, their stems and canonical abbreviations."""
    words = _with_synonyms(fold(" ".join(parts)))
    terms = dict.fromkeys(words)
    terms.update(dict.fromkeys(stem(w) for w in words))
    return " ".join(terms)


def query_terms(query: str) -> list[str]:
    """The significant terms of a query, synonym phrases collapsed to their canonical term."""
    folded = fold(query)
    padded = f" {folded} "
    for canonical, phrases in SYNONYMS.items():
        for phrase in sorted(phrases, key=len, reverse=True):
            padded = padded.replace(f" {phrase} ", f" {canonical} ")
    terms = [w for w in padded.split() if w not in STOPWORDS]
    return list(dict.fromkeys(stem(w) for w in terms))


def tsquery(terms: list[str], *, operator: str = "&") -> str:
    """A to_tsquery('simple', ...) expression joining the terms with ``operator``.

    Terms of four letters or more match as prefixes (typing "kelah" finds "kelahiran"); shorter
    ones are abbreviations and match whole, so "sip" does not find "sipil".
    """
    return f" {operator} ".join(f"{term}:*" if len(term) >= _MIN_STEM else term for term in terms)


def fts5_query(terms: list[str], *, operator: str = "&") -> str:
    """The same expression for SQLite's FTS5 (the embedded demo): prefixes from four letters."""
    joiner = " AND " if operator == "&" else " OR "
    return joiner.join(f'"{term}"*' if len(term) >= _MIN_STEM else f'"{term}"' for term in terms)


def trigrams(text: str) -> set[str]:
    """The three-letter runs of each word of ``text`` (folded), as FTS5's trigram tokenizer
    indexes them; words shorter than three letters have none."""
    return {word[i : i + 3] for word in fold(text).split() for i in range(len(word) - 2)}


def trigram_similarity(query: str, document: str) -> float:
    """The share of the query's trigrams found in the document: how close the query is to some
    of its words, as pg_trgm's word_similarity measures it for production's typo fallback."""
    wanted = trigrams(query)
    if not wanted:
        return 0.0
    return sum(1 for trigram in wanted if trigram in document) / len(wanted)
