"""Citizen pages of consultation: ask the agency about a service, follow the thread."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from satupintu.accounts.http import AuthenticatedHttpRequest
from satupintu.catalog import selectors as catalog
from satupintu.catalog.models import Service
from satupintu.complaints import services
from satupintu.complaints.errors import ReportError
from satupintu.complaints.models import Consultation
from satupintu.pages import form_refused, refusals_as_messages
from satupintu.portal.forms import ConsultationAskForm


@login_required
def ask(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    try:
        service = catalog.service_detail(service_id=pk)
    except Service.DoesNotExist as exc:
        raise Http404 from exc
    form = ConsultationAskForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            consultation = services.consultation_ask(
                citizen=request.user,
                service=service,
                subject=form.cleaned_data["subject"],
                text=form.cleaned_data["text"],
            )
        except ReportError as refused:
            form_refused(form, refused)
        else:
            return redirect("portal:consultation", pk=consultation.pk)
    return render(request, "portal/consultation_ask.html", {"service": service, "form": form})


def _own(request: HttpRequest, pk: int) -> Consultation:
    return get_object_or_404(
        Consultation.objects.select_related("service__agency__mall"),
        pk=pk,
        citizen=request.user,
    )


@login_required
@refusals_as_messages("portal:consultation")
def consultation(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    thread = _own(request, pk)
    if request.method == "POST":
        if request.POST.get("action") == "report":
            filed = services.consultation_to_report(consultation=thread)
            return redirect(filed.follow_path)
        if request.POST.get("action") == "apply":
            application = services.consultation_to_application(consultation=thread)
            return redirect("portal:application", pk=application.pk)
        typed = request.POST.get("text", "")
        try:
            services.consultation_post(
                consultation=thread, author=request.user, text=typed, from_staff=False
            )
        except ReportError as refused:
            # Shown again with what was typed: a message too long is not lost to a redirect.
            return render(
                request,
                "portal/consultation.html",
                {
                    "consultation": thread,
                    "thread": thread.messages.all(),
                    "typed": typed,
                    "error": refused.message,
                },
                status=400,
            )
        return redirect("portal:consultation", pk=thread.pk)
    return render(
        request,
        "portal/consultation.html",
        {"consultation": thread, "thread": thread.messages.all()},
    )


@login_required
def consultation_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/consultations.html",
        {"consultations": request.user.consultations.select_related("service")},
    )
