"""What the pages do with a refusal: say it as a message and go back to the page asked from,
or show it on the form the page renders again."""

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from satupintu.errors import DomainError

View = Callable[..., HttpResponse]


def refusals_as_messages(
    redirect_to: str, *, keep: Iterable[str] = ("pk",)
) -> Callable[[View], View]:
    """Decorate a view that acts: a domain refusal (or a value the model refuses) raised by it
    becomes an error message and a redirect to the page ``redirect_to``, with the view's URL
    arguments named in ``keep`` (nothing was changed: the services refuse before writing)."""
    kept = tuple(keep)

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                return view(request, *args, **kwargs)
            except DomainError as refused:
                messages.error(request, refused.message)
            except ValidationError as invalid:
                messages.error(request, invalid.messages[0])
            return redirect(redirect_to, **{name: kwargs[name] for name in kept})

        return wrapped

    return decorate


def form_refused(form: forms.BaseForm, refused: DomainError) -> None:
    """Attach a domain refusal to ``form``, which the page renders again: to the inputs it names
    (``refused.fields``) that the form has, else to the form as a whole."""
    named = {name: errors for name, errors in refused.fields.items() if name in form.fields}
    for name, errors in named.items():
        for error in errors:
            form.add_error(name, error)
    if not named:
        form.add_error(None, refused.message)
