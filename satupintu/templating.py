"""Text that staff edit and the platform renders (permit and message templates), in a sandbox.

Staff-edited text is never given to Django's template engine, which calls methods and walks
relations of whatever it is handed (``{{ agency.memberships.all }}``). It is rendered by a
narrowed Jinja2 ``SandboxedEnvironment`` over a context of plain values built for the purpose
(``plain_context``): strings, numbers, booleans, ``None``, and dicts and lists of them.

What a template can do:
- print values, read a dict's keys (``{{ form.usage }}``, ``{{ agency.name }}``) and a list's
  items, test them (``{% if %}``), loop over lists (``{% for %}``, at most two deep), set names;
- use the filters of ``FILTERS`` (``{{ valid_until|date("j F Y") }}``);
and nothing else: no attribute of any object (a dict's methods, a string's), no name starting
with ``_``, no call of anything, no ``include``/``import``/``extends``/macros, no global such as
``range``, ``cycler`` or ``lipsum``. Unknown names are refused when a template is saved
(``check``); at render time a missing value prints nothing, as Django's engine did. The template
is at most ``MAX_SOURCE`` characters and its output at most ``MAX_OUTPUT``.
"""

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from django.utils import dateformat
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from jinja2 import ChainableUndefined, TemplateSyntaxError, nodes
from jinja2.exceptions import SecurityError, TemplateError
from jinja2.runtime import Context, LoopContext
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup, escape

MAX_SOURCE = 20_000
MAX_OUTPUT = 200_000
MAX_LOOP_DEPTH = 2
MAX_ITEMS = 1_000  # items of one list in a context: bounds what two nested loops can do
MAX_DEPTH = 6  # nesting of dicts and lists in a context


class TemplateRefused(Exception):
    """A template that does not compile, uses what the sandbox does not offer, or would render
    too much; ``message`` says why, in the user's language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# Plain values --------------------------------------------------------------------------------


def plain(value: Any, *, _depth: int = 0) -> Any:
    """``value`` made of plain data only, or TypeError: a model instance, a queryset, a
    callable or any other object never reaches a template (a bug of the caller). Too many
    items or too deep a nesting (a citizen's odd answers) is TemplateRefused. Dates become ISO
    strings (the ``date`` filter formats them); lazy translations become strings."""
    if _depth > MAX_DEPTH:
        raise TemplateRefused(_("The values are nested too deeply for a template."))
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, date):  # datetime is a date too
        return value.isoformat()
    if isinstance(value, Mapping) and type(value) in (dict,):
        if len(value) > MAX_ITEMS:
            raise TemplateRefused(_("The values hold too many items for a template."))
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"a template context's keys are strings, not {type(key).__name__}")
            out[key] = plain(item, _depth=_depth + 1)
        return out
    if type(value) in (list, tuple):
        if len(value) > MAX_ITEMS:
            raise TemplateRefused(_("The values hold too many items for a template."))
        return [plain(item, _depth=_depth + 1) for item in value]
    raise TypeError(
        f"a template context holds only plain values, not {type(value).__module__}."
        f"{type(value).__qualname__}"
    )


def plain_context(values: Mapping[str, Any]) -> dict[str, Any]:
    """A whole context checked by ``plain``."""
    return plain(dict(values))


# Filters -------------------------------------------------------------------------------------


def _date(value: Any, format_string: str = "j F Y") -> str:
    """An ISO date (or date-time) string in Django's date format, in the active language."""
    if not value or not isinstance(value, str):
        return ""
    try:
        parsed: date = (
            datetime.fromisoformat(value)
            if "T" in value or " " in value
            else date.fromisoformat(value)
        )
    except ValueError:
        return value
    return dateformat.format(parsed, str(format_string)[:100])


def _linebreaksbr(value: Any) -> Markup:
    return Markup("<br>").join(escape(str(value)).splitlines())


def _builtin_filters() -> dict[str, Callable[..., Any]]:
    from jinja2.filters import FILTERS as JINJA

    allowed = [
        *("abs", "capitalize", "count", "d", "default", "e", "escape", "first", "float", "int"),
        *("join", "last", "length", "list", "lower", "max", "min", "round", "sort", "string"),
        *("striptags", "sum", "title", "trim", "truncate", "unique", "upper", "wordcount"),
    ]
    return {name: JINJA[name] for name in allowed}


FILTERS: dict[str, Callable[..., Any]] = {
    **_builtin_filters(),
    "date": _date,
    "linebreaksbr": _linebreaksbr,
}


# The environment -----------------------------------------------------------------------------


def _size(value: Any) -> int:
    """About how many characters ``value`` prints as."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, list | tuple):
        return len(value) + sum(_size(item) for item in value)
    if isinstance(value, dict):
        return len(value) + sum(_size(item) for item in value.values())
    return 1


def _bounded(result: Any) -> Any:
    if isinstance(result, str | list | tuple | dict) and _size(result) > MAX_OUTPUT:
        raise SecurityError("size")
    if isinstance(result, list | tuple) and len(result) > MAX_ITEMS:
        raise SecurityError("size")
    return result


def _guarded(function: Callable[..., Any]) -> Callable[..., Any]:
    def filter_(*args: Any, **kwargs: Any) -> Any:
        return _bounded(function(*args, **kwargs))

    for attribute in ("jinja_pass_arg",):  # pass_context / pass_environment markers
        if hasattr(function, attribute):
            setattr(filter_, attribute, getattr(function, attribute))
    return filter_


_LOOP_FIELDS = frozenset(
    ["index", "index0", "revindex", "revindex0", "first", "last", "length", "depth", "depth0"]
)


class _Sandbox(ImmutableSandboxedEnvironment):
    """Jinja2's immutable sandbox narrowed to plain data: a dot reads a dict's key (or a loop's
    counters) and nothing else, nothing is called, and operators cannot build huge values."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def getattr(self, obj: Any, attribute: str) -> Any:
        if attribute.startswith("_"):
            raise SecurityError(attribute)
        if isinstance(obj, dict) and attribute in obj:
            return obj[attribute]
        if isinstance(obj, LoopContext) and attribute in _LOOP_FIELDS:
            return getattr(obj, attribute)
        return self.undefined(obj=obj, name=attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        if isinstance(argument, str):
            return self.getattr(obj, argument)
        if isinstance(obj, list | str) and isinstance(argument, int | slice):
            try:
                return obj[argument]
            except (IndexError, TypeError, ValueError):
                pass
        return self.undefined(obj=obj, name=str(argument))

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        raise SecurityError("call")

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            if not (isinstance(right, int | float) and abs(right) <= 64):
                raise SecurityError("size")
            if isinstance(left, int) and abs(left) > 10**6:
                raise SecurityError("size")
        elif operator == "%" and isinstance(left, str):
            raise SecurityError("format")
        elif operator == "*":
            for value, times in ((left, right), (right, left)):
                if isinstance(value, str | list) and isinstance(times, int):
                    if _size(value) * max(times, 0) > MAX_OUTPUT:
                        raise SecurityError("size")
                    if isinstance(value, list) and len(value) * max(times, 0) > MAX_ITEMS:
                        raise SecurityError("size")
        return _bounded(super().call_binop(context, operator, left, right))


_TESTS = ("defined", "undefined", "none", "number", "string", "even", "odd", "in")


def _environment(*, html: bool) -> _Sandbox:
    env = _Sandbox(
        autoescape=html,
        undefined=ChainableUndefined,
        finalize=lambda value: "" if value is None else value,
        keep_trailing_newline=True,
        extensions=[],
    )
    env.globals.clear()
    env.filters = {name: _guarded(function) for name, function in FILTERS.items()}
    env.tests = {name: env.tests[name] for name in _TESTS}
    return env


_ENVIRONMENTS = {True: _environment(html=True), False: _environment(html=False)}
_FORBIDDEN_NODES = (
    nodes.Call,
    nodes.Macro,
    nodes.CallBlock,
    nodes.Include,
    nodes.Import,
    nodes.FromImport,
    nodes.Extends,
    nodes.Block,
    nodes.FilterBlock,
    nodes.AssignBlock,
    nodes.Concat,
    nodes.ScopedEvalContextModifier,
    nodes.EvalContextModifier,
)


def _loop_depth(node: nodes.Node, depth: int = 0) -> int:
    deepest = depth
    for child in node.iter_child_nodes():
        deepest = max(deepest, _loop_depth(child, depth + isinstance(child, nodes.For)))
    return deepest


def _parse(source: str, *, html: bool) -> nodes.Template:
    if len(source) > MAX_SOURCE:
        raise TemplateRefused(
            _("A template is at most %(n)s characters long.") % {"n": f"{MAX_SOURCE:,}"}
        )
    try:
        tree = _ENVIRONMENTS[html].parse(source)
    except TemplateSyntaxError as broken:
        raise TemplateRefused(
            _("Line %(line)s: %(error)s") % {"line": broken.lineno, "error": broken.message}
        ) from broken
    for node in tree.find_all(_FORBIDDEN_NODES):
        raise TemplateRefused(
            _(
                "Line %(line)s: templates cannot call functions, join with ~, define macros "
                "or blocks, or include other templates."
            )
            % {"line": node.lineno}
        )
    for node in tree.find_all((nodes.Getattr, nodes.Name, nodes.Getitem)):
        if isinstance(node, nodes.Getitem):
            name = node.arg.value if isinstance(node.arg, nodes.Const) else None
        else:
            name = getattr(node, "attr", None) or getattr(node, "name", None)
        if name == "self" and isinstance(node, nodes.Name):
            raise TemplateRefused(
                _("Line %(line)s: “self” is not offered.") % {"line": node.lineno}
            )
        if isinstance(name, str) and name.startswith("_"):
            raise TemplateRefused(
                _("Line %(line)s: names starting with an underscore are not offered.")
                % {"line": node.lineno}
            )
    for node in tree.find_all(nodes.Test):
        if node.name not in _TESTS:
            raise TemplateRefused(
                _("Line %(line)s: there is no test “%(name)s”; offered: %(offered)s.")
                % {"line": node.lineno, "name": node.name, "offered": ", ".join(_TESTS)}
            )
    for node in tree.find_all(nodes.Filter):
        if node.name not in FILTERS:
            raise TemplateRefused(
                _("Line %(line)s: there is no filter “%(name)s”; offered: %(offered)s.")
                % {"line": node.lineno, "name": node.name, "offered": ", ".join(sorted(FILTERS))}
            )
    for node in tree.find_all((nodes.List, nodes.Tuple, nodes.Dict)):
        if getattr(node, "ctx", "load") == "load" and not all(
            isinstance(item, nodes.Const | nodes.Pair | nodes.List | nodes.Tuple | nodes.Dict)
            for item in node.find_all(nodes.Node)
        ):
            raise TemplateRefused(
                _("Line %(line)s: a list in a template holds only fixed values.")
                % {"line": node.lineno}
            )
    if _loop_depth(tree) > MAX_LOOP_DEPTH:
        raise TemplateRefused(
            _("Loops go at most %(n)s deep in a template.") % {"n": MAX_LOOP_DEPTH}
        )
    return tree


def _refusal(code: str) -> str:
    return {
        "size": _("a value too large to print"),
        "format": _("formatting text with the percent operator"),
        "call": _("a call"),
    }.get(code, _("a name starting with an underscore"))


def _undeclared(tree: nodes.Template) -> set[str]:
    """The names a template reads that it does not set itself."""
    from jinja2 import meta

    return meta.find_undeclared_variables(tree)


def check(
    source: str,
    *,
    offered: Iterable[str],
    html: bool = False,
    example: Mapping[str, Any] | None = None,
) -> None:
    """Refuse (TemplateRefused) a template that does not compile in the sandbox, reads a name
    that is not ``offered``, or (given ``example`` values) is refused when rendered with them:
    called when staff save one."""
    offered = sorted(offered)
    tree = _parse(source, html=html)
    unknown = sorted(_undeclared(tree) - set(offered))
    if unknown:
        raise TemplateRefused(
            _("Unknown names: %(unknown)s. This template offers: %(offered)s.")
            % {"unknown": ", ".join(unknown), "offered": ", ".join(offered) or "—"}
        )
    if example is not None:
        render(source, example, html=html)


@lru_cache(maxsize=256)
def _compile(source: str, html: bool) -> Any:
    tree = _parse(source, html=html)
    return _ENVIRONMENTS[html].from_string(tree)


def render(source: str, context: Mapping[str, Any], *, html: bool = False) -> str:
    """``source`` rendered in the sandbox over ``context`` (plain values only: anything else is
    a TypeError, a bug of the caller). HTML output is escaped and returned as safe markup;
    plain text (WhatsApp, SMS, a subject) is not escaped. A template that breaks the sandbox's
    rules or renders more than MAX_OUTPUT characters raises TemplateRefused."""
    values = plain_context(context)
    out: list[str] = []
    size = 0
    try:
        template = _compile(source, html)
        for chunk in template.generate(values):
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise TemplateRefused(
                    _("The template renders more than %(n)s characters.") % {"n": f"{MAX_OUTPUT:,}"}
                )
            out.append(chunk)
    except SecurityError as refused:
        raise TemplateRefused(
            _("The template uses what the sandbox does not offer: %(what)s.")
            % {"what": _refusal(str(refused))}
        ) from refused
    except (TemplateError, ArithmeticError, ValueError, TypeError) as broken:
        raise TemplateRefused(
            _("The template cannot be rendered: %(error)s") % {"error": broken}
        ) from broken
    text = "".join(out)
    return Markup(text) if html else text  # noqa: S704 - escaped by the sandbox's autoescape


# From Django's syntax ------------------------------------------------------------------------

_DJANGO_FILTER_ARG = re.compile(r"\|\s*(\w+):(\"[^\"]*\"|'[^']*'|[\w.]+)")
_DJANGO_RENAMES = {"default_if_none": "default", "linebreaks": "linebreaksbr"}  # near enough


def from_django(source: str) -> str:
    """A stored template in Django's syntax rewritten for the sandbox where the two differ:
    filter arguments (``|date:"j F Y"`` → ``|date("j F Y")``), ``{% empty %}``, ``forloop``,
    ``{% load %}``, ``{% comment %}`` and ``{% translate "…" %}``. Plain ``{{ name }}`` and
    ``{% if %}`` templates are the same in both and come back unchanged."""
    text = re.sub(r"{%\s*load\s[^%]*%}", "", source)
    text = re.sub(r"{%\s*comment\s*%}(.*?){%\s*endcomment\s*%}", r"{#\1#}", text, flags=re.S)
    text = re.sub(r"{%\s*empty\s*%}", "{% else %}", text)
    text = re.sub(
        r"{%\s*(?:translate|trans)\s+(\"[^\"]*\"|'[^']*')\s*%}", lambda m: m[1][1:-1], text
    )
    text = text.replace("forloop.counter0", "loop.index0").replace("forloop.counter", "loop.index")
    text = text.replace("forloop.first", "loop.first").replace("forloop.last", "loop.last")
    for old, new in _DJANGO_RENAMES.items():
        text = re.sub(rf"\|\s*{old}\b", f"|{new}", text)
    return _DJANGO_FILTER_ARG.sub(_filter_call, text)


def _filter_call(match: re.Match[str]) -> str:
    name, argument = match[1], match[2]
    if name == "default":  # Django's replaces any false value, Jinja's only a missing one
        return f"|default({argument}, true)"
    return f"|{name}({argument})"
