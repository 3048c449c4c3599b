"""The public questionnaire, opened by an invitation's one-use link without signing in."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from satupintu.surveys import questionnaire
from satupintu.surveys.errors import SurveyError
from satupintu.surveys.services.responses import invitation_open, response_submit


def _closed(request: HttpRequest, refused: SurveyError) -> HttpResponse:
    return render(
        request, "surveys/closed.html", {"message": refused.message}, status=refused.status
    )


@never_cache
def survey_form(request: HttpRequest, token: str) -> HttpResponse:
    """The nine questions, the optional profile and a comment; sent once."""
    try:
        invitation = invitation_open(token=token)
    except SurveyError as refused:
        return _closed(request, refused)
    errors: dict[str, list[str]] = {}
    message = ""
    if request.method == "POST":
        scores, profile, comment = questionnaire.posted(request.POST)
        try:
            response_submit(token=token, scores=scores, profile=profile, comment=comment)
        except SurveyError as refused:
            if refused.code != "invalid":
                return _closed(request, refused)
            errors, message = refused.fields, refused.message
        else:
            return redirect("surveys:thanks")
    return render(
        request,
        "surveys/form.html",
        {
            "invitation": invitation,
            "message": message,
            **questionnaire.context(request.POST if request.method == "POST" else None, errors),
        },
    )


def thanks(request: HttpRequest) -> HttpResponse:
    return render(
        request, "surveys/closed.html", {"message": _("Thank you! Your answers are recorded.")}
    )
