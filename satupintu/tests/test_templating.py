"""The sandbox that renders staff-edited text: plain values in, the known escapes out."""

from datetime import date

import pytest
from django.utils import translation

from satupintu import templating
from satupintu.templating import TemplateRefused, check, from_django, plain_context, render

CONTEXT = {
    "holder": "Siti <Aminah>",
    "form": {"fungsi": "usaha", "items": "tiga", "lantai": [1, 2]},
    "agency": {"name": "Dinas PUPR"},
    "valid_until": date(2027, 1, 5),
    "nib": "",
}


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


# Each known way out of a Jinja2 template, and what it would reach.
ESCAPES = [
    "{{ ''.__class__.__mro__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ joiner.__init__.__globals__.os }}",
    "{{ namespace.__init__.__globals__ }}",
    "{{ lipsum.__globals__['os'].popen('id').read() }}",
    "{{ self._TemplateReference__context }}",
    "{{ self.__init__.__globals__ }}",
    "{{ holder.__class__ }}",
    "{{ holder['__class__'] }}",
    "{{ holder|attr('__class__') }}",
    "{{ (holder|attr('__class__')).__base__ }}",
    "{{ form.__class__.__base__.__subclasses__() }}",
    "{{ form.items() }}",
    "{{ holder.format.__globals__ }}",
    "{{ '{0.__class__}'.format(holder) }}",
    "{{ '%s' % holder.__class__ }}",
    "{{ range(10**9)|list }}",
    "{{ range(10**9) }}",
    "{{ 'a' * 10**9 }}",
    "{{ holder * 100000000 }}",
    "{{ 9**9**9 }}",
    "{{ '%099999999d' % 1 }}",
    "{% set x = holder ~ holder %}{{ x }}",
    "{{ [holder, holder]|join }}",
    "{% include '/etc/passwd' %}",
    "{% import 'x' as x %}",
    "{% extends 'base.html' %}",
    "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
    "{% for a in form.lantai %}{% for b in form.lantai %}{% for c in form.lantai %}"
    "{% endfor %}{% endfor %}{% endfor %}",
    "{{ config }}{{ request }}{{ settings.SECRET_KEY }}",
    "{% if holder is callable %}x{% endif %}{% if holder is nosuchtest %}y{% endif %}",
    "{% autoescape false %}{{ holder }}{% endautoescape %}",
    "{{ holder|safe }}",
    "{{ form|sort(attribute='__class__') }}",
]


def test_a_template_prints_plain_values_reads_keys_and_formats_dates():
    with translation.override("id"):
        text = render(
            "{{ holder }} · {{ form.fungsi }} · {{ form.items }} · {{ agency.name|upper }} · "
            "{{ valid_until|date('j F Y') }} · {% for n in form.lantai %}{{ loop.index }}={{ n }} "
            "{% endfor %}{% if nib %}NIB{% else %}tanpa NIB{% endif %}",
            CONTEXT,
        )
    assert text == (
        "Siti <Aminah> · usaha · tiga · DINAS PUPR · 5 Januari 2027 · 1=1 2=2 tanpa NIB"
    )


def test_html_output_is_escaped_and_plain_text_is_not():
    assert render("<p>{{ holder }}</p>", CONTEXT, html=True) == "<p>Siti &lt;Aminah&gt;</p>"
    assert render("{{ holder }}", CONTEXT, html=False) == "Siti <Aminah>"


@pytest.mark.parametrize("source", ESCAPES)
def test_every_known_escape_is_refused_or_renders_nothing(source):
    """None reaches an object's class, globals or a callable; none builds a huge value."""
    try:
        text = render(source, CONTEXT, html=True)
    except TemplateRefused as refused:
        assert refused.message
    else:
        assert text.strip() == "", text
    with pytest.raises(TemplateRefused):
        check(source, offered=CONTEXT, html=True, example=CONTEXT)


def test_a_missing_value_prints_nothing_and_an_unknown_name_is_refused_on_save():
    assert render("[{{ form.nothing.deeper }}{{ unknown }}]", CONTEXT) == "[]"
    with pytest.raises(TemplateRefused, match="unknown"):
        check("{{ unknown }}", offered=CONTEXT)
    check(
        "{{ holder }}{% set x = 1 %}{{ x }}{% for i in form.lantai %}{{ i }}{% endfor %}",
        offered=CONTEXT,
    )


def test_a_syntax_error_names_its_line():
    with pytest.raises(TemplateRefused, match="Line 2"):
        check("ok\n{% if %}", offered=CONTEXT)


def test_the_template_and_its_output_are_limited_in_size():
    with pytest.raises(TemplateRefused):
        check("x" * (templating.MAX_SOURCE + 1), offered=CONTEXT)
    big = {"text": "x" * 1000}
    loop = "{% for a in rows %}{% for b in rows %}{{ text }}{% endfor %}{% endfor %}"
    with pytest.raises(TemplateRefused, match="more than"):
        render(loop, {**big, "rows": list(range(500))})


@pytest.mark.parametrize(
    "value",
    [object(), print, lambda: 1, b"bytes", {1: "key not a string"}, {"x": {"y": object()}}],
)
def test_a_context_holds_only_plain_values(value):
    with pytest.raises(TypeError):
        plain_context({"value": value})


def test_a_context_refuses_model_instances_and_querysets(django_user_model, db):
    user = django_user_model.objects.create(username="x", password="hash")
    for value in (user, django_user_model.objects.all()):
        with pytest.raises(TypeError, match="plain values"):
            render("{{ value }}", {"value": value})


def test_django_syntax_is_rewritten_for_the_sandbox():
    source = (
        '{% load i18n %}{% comment %}old{% endcomment %}{{ valid_until|date:"j F Y" }} '
        "{{ nib|default:'-' }} {% for n in form.lantai %}{{ forloop.counter }}{% empty %}x"
        '{% endfor %} {% translate "Nomor" %}'
    )
    converted = from_django(source)
    with translation.override("id"):
        assert render(converted, CONTEXT) == "5 Januari 2027 - 12 Nomor"
    assert from_django("Yth. {{ name }}, {% if x %}a{% endif %}") == (
        "Yth. {{ name }}, {% if x %}a{% endif %}"
    )


def test_values_too_many_or_too_deep_are_refused_not_a_crash():
    with pytest.raises(TemplateRefused):
        render("{{ x }}", {"x": list(range(templating.MAX_ITEMS + 1))})
    deep: list = []
    for _level in range(templating.MAX_DEPTH + 2):
        deep = [deep]
    with pytest.raises(TemplateRefused):
        render("{{ x }}", {"x": deep})
