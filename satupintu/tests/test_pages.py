"""A refusal shown on the form sent: on the inputs it names, else on the form as a whole."""

from django import forms

from satupintu.errors import DomainError
from satupintu.pages import form_refused


class _Form(forms.Form):
    code = forms.CharField(required=False)


def test_a_refusal_naming_an_input_of_the_form_goes_to_that_input():
    form = _Form({"code": "X"})
    assert form.is_valid()
    form_refused(form, DomainError("bad", "Salah.", fields={"code": ["Kode salah."]}))
    assert form.errors == {"code": ["Kode salah."]}


def test_a_refusal_naming_no_input_of_the_form_goes_to_the_whole_form():
    form = _Form({"code": "X"})
    assert form.is_valid()
    form_refused(form, DomainError("bad", "Salah.", fields={"elsewhere": ["Tidak di sini."]}))
    assert form.non_field_errors() == ["Salah."]
    form = _Form({"code": "X"})
    assert form.is_valid()
    form_refused(form, DomainError("full", "Penuh."))
    assert form.non_field_errors() == ["Penuh."]
