"""The questionnaire of PermenPANRB 14/2017: its nine elements (unsur), each asked with four
answers scored 1-4 in the regulation's wording, and the optional respondent profile."""

from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Element:
    """One element (unsur) of the survey: its code (U1..U9), name, question and the wording of
    its four answers, from score 1 to score 4."""

    code: str
    name: Promise
    question: Promise
    answers: tuple[Promise, Promise, Promise, Promise]

    @property
    def field(self) -> str:
        """The response's column holding this element's score (``u1`` .. ``u9``)."""
        return self.code.lower()


ELEMENTS: tuple[Element, ...] = (
    Element(
        "U1",
        _("Requirements"),
        _("How well do the service's requirements fit the kind of service?"),
        (_("Not appropriate"), _("Less appropriate"), _("Appropriate"), _("Very appropriate")),
    ),
    Element(
        "U2",
        _("System, mechanism and procedure"),
        _("How easy is the service's procedure at this unit?"),
        (_("Not easy"), _("Less easy"), _("Easy"), _("Very easy")),
    ),
    Element(
        "U3",
        _("Completion time"),
        _("How quick was the service?"),
        (_("Not quick"), _("Less quick"), _("Quick"), _("Very quick")),
    ),
    Element(
        "U4",
        _("Cost/fee"),
        _("How fair is the service's cost or fee?"),
        (_("Very expensive"), _("Fairly expensive"), _("Cheap"), _("Free")),
    ),
    Element(
        "U5",
        _("Products by type of service"),
        _(
            "How well does the product you received match the product listed in the service "
            "standard?"
        ),
        (_("Not appropriate"), _("Less appropriate"), _("Appropriate"), _("Very appropriate")),
    ),
    Element(
        "U6",
        _("Competence of the staff"),
        _("How competent were the staff who served you?"),
        (_("Not competent"), _("Less competent"), _("Competent"), _("Very competent")),
    ),
    Element(
        "U7",
        _("Behaviour of the staff"),
        _("How polite and friendly were the staff who served you?"),
        (
            _("Not polite and friendly"),
            _("Less polite and friendly"),
            _("Polite and friendly"),
            _("Very polite and friendly"),
        ),
    ),
    Element(
        "U8",
        _("Handling of complaints, suggestions and feedback"),
        _("How are the complaints of service users handled?"),
        (
            _("There is none"),
            _("There is, but it does not work"),
            _("Not handled well enough"),
            _("Managed well"),
        ),
    ),
    Element(
        "U9",
        _("Facilities and infrastructure"),
        _("How good are the facilities and infrastructure?"),
        (_("Poor"), _("Fair"), _("Good"), _("Very good")),
    ),
)
ELEMENT_FIELDS: tuple[str, ...] = tuple(element.field for element in ELEMENTS)
SCORES = (1, 2, 3, 4)
COMMENT_MAX = 2000


class Gender(models.TextChoices):
    MALE = "L", _("Male")
    FEMALE = "P", _("Female")


class AgeBand(models.TextChoices):
    UNDER_21 = "-20", _("20 or younger")
    FROM_21 = "21-30", _("21–30")
    FROM_31 = "31-40", _("31–40")
    FROM_41 = "41-50", _("41–50")
    FROM_51 = "51-60", _("51–60")
    OVER_60 = "61+", _("61 or older")


class Education(models.TextChoices):
    SD = "sd", _("Primary school (SD)")
    SMP = "smp", _("Junior high school (SMP)")
    SMA = "sma", _("Senior high school (SMA)")
    DIPLOMA = "d1-d3", _("Diploma (D1–D3)")
    BACHELOR = "d4-s1", _("D4 or bachelor's degree (S1)")
    POSTGRADUATE = "s2+", _("Master's degree (S2) or higher")


class Occupation(models.TextChoices):
    CIVIL_SERVANT = "pns", _("Civil servant (PNS)")
    MILITARY = "tni", _("Armed forces (TNI)")
    POLICE = "polri", _("Police (POLRI)")
    PRIVATE = "swasta", _("Private employee")
    SELF_EMPLOYED = "wirausaha", _("Self-employed")
    OTHER = "lainnya", _("Other")


PROFILE_FIELDS: dict[str, type[models.TextChoices]] = {
    "gender": Gender,
    "age_band": AgeBand,
    "education": Education,
    "occupation": Occupation,
}

# The grades' names on pages, in the reader's language (the report prints the regulation's).
MUTU_LABELS: dict[str, Promise] = {
    "A": _("Very good"),
    "B": _("Good"),
    "C": _("Less than good"),
    "D": _("Not good"),
}
