"""The questionnaire as pages show it and read it back: the nine elements' radio groups, the
optional profile and the comment, with what was posted and the refusal's messages by field."""

from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from satupintu.surveys.elements import COMMENT_MAX, ELEMENTS, PROFILE_FIELDS, SCORES

PROFILE_LABELS = {
    "gender": _("Gender"),
    "age_band": _("Age"),
    "education": _("Education"),
    "occupation": _("Occupation"),
}


def posted(data: QueryDict) -> tuple[dict[str, str], dict[str, str], str]:
    """The scores, profile and comment of a posted questionnaire, as typed."""
    scores = {e.field: data.get(e.field, "") for e in ELEMENTS}
    profile = {name: data.get(name, "") for name in PROFILE_FIELDS}
    return scores, profile, data.get("comment", "")


def context(
    data: QueryDict | None = None, errors: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    """What ``surveys/_questionnaire.html`` renders."""
    data = data or QueryDict()
    errors = errors or {}
    return {
        "questions": [
            {
                "code": e.code,
                "name": e.name,
                "question": e.question,
                "field": e.field,
                "answers": list(zip(SCORES, e.answers, strict=True)),
                "value": data.get(e.field, ""),
                "errors": errors.get(e.field, []),
            }
            for e in ELEMENTS
        ],
        "profile": [
            {
                "name": name,
                "label": PROFILE_LABELS[name],
                "choices": choices.choices,
                "value": data.get(name, ""),
                "errors": errors.get(name, []),
            }
            for name, choices in PROFILE_FIELDS.items()
        ],
        "comment": data.get("comment", ""),
        "comment_errors": errors.get("comment", []),
        "comment_max": COMMENT_MAX,
    }
