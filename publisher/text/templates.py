"""Render bilingual templates: word bank emergency templates (policy 8.4) and recurring schedule texts.

Templates are data a person can change, so they run in Jinja2's sandbox
(no access to Python), with ``StrictUndefined`` (a missing variable is an
error, not a silent blank in a public-safety message), and with their cost
bounded: a handful of filters, ``range`` and loops counted, ``*``/``**``/``%``
refused when their result would be huge, the output cut off, and a time
limit. Whatever goes wrong is a :class:`TemplateError` with a message, never
a traceback (docs/content.md "The word bank", docs/schedules.md).

Welsh dates come from Babel's ``cy`` locale: ``{{ date | date_cy }}`` gives
"Dydd Llun 28 Rhagfyr 2026". Shared by the emergency path, the daemon's
recurring posts and ``check``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from types import FrameType
from typing import Any

from publisher.content.wordbank import Template
from publisher.i18n import _

MAX_OUTPUT = 20_000  # characters of rendered text: far more than any post
MAX_STEPS = 200_000  # template lines executed (loop iterations included)
MAX_SECONDS = 1.0
MAX_SIZE = 20_000  # characters or items a '*', '**' or '%' may produce
MAX_VALUE = 1_000  # characters of one variable's value
SAFE_FILTERS = (
    "abs",
    "capitalize",
    "count",
    "d",
    "default",
    "first",
    "int",
    "join",
    "last",
    "length",
    "lower",
    "replace",
    "round",
    "string",
    "title",
    "trim",
    "upper",
)
_UNSAFE_STR_METHODS = {"format", "format_map", "center", "ljust", "rjust", "zfill", "expandtabs"}


class TemplateError(ValueError):
    """The template or its variables are wrong, or it asked for too much; the message says which."""


@dataclass(frozen=True)
class Rendered:
    cy: str
    en: str


def _as_date(value: object) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise TemplateError(_("'%(value)s' is not a date like 2026-12-28") % {"value": value}) from None


def date_cy(value: object) -> str:
    from babel.dates import format_date

    return format_date(_as_date(value), format="EEEE d MMMM y", locale="cy")


def date_en(value: object) -> str:
    from babel.dates import format_date

    return format_date(_as_date(value), format="EEEE d MMMM y", locale="en_GB")


def _bounded_range(*args: int) -> range:
    values = range(*args)
    if len(values) > MAX_SIZE:
        message = _("range() of %(count)d numbers is more than a template may loop over (%(max)d)")
        raise TemplateError(message % {"count": len(values), "max": MAX_SIZE})
    return values


def _size_of(operator: str, left: Any, right: Any) -> int:
    """How big the result of ``left operator right`` would be, without computing it."""
    if operator == "*":
        for seq, times in ((left, right), (right, left)):
            if isinstance(seq, str | list | tuple) and isinstance(times, int):
                return len(seq) * max(times, 0)
        return 0
    if operator == "**" and isinstance(left, int | float) and isinstance(right, int | float):
        return int(abs(right) * max(len(str(abs(int(left)))), 1)) if abs(left) > 1 else 0
    if operator == "%" and isinstance(left, str):
        import re

        widths = [int(w) for w in re.findall(r"%[-+ #0]*(\d+)", left)]
        return max(widths, default=0)
    return 0


@lru_cache(maxsize=1)
def environment() -> Any:
    """The bounded sandbox every template renders in (built once)."""
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    class BoundedSandbox(SandboxedEnvironment):
        intercepted_binops = frozenset({"*", "**", "%"})

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            if _size_of(operator, left, right) > MAX_SIZE:
                message = _("'%(operator)s' would make a value larger than a template may (%(max)d)")
                raise TemplateError(message % {"operator": operator, "max": MAX_SIZE})
            return super().call_binop(context, operator, left, right)

        def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
            if isinstance(obj, str) and attr in _UNSAFE_STR_METHODS:
                return False
            return bool(super().is_safe_attribute(obj, attr, value))

    env = BoundedSandbox(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)
    env.filters = {name: env.filters[name] for name in SAFE_FILTERS}
    env.filters["date_cy"] = date_cy
    env.filters["date_en"] = date_en
    env.globals = {"range": _bounded_range}
    return env


def variables_used(source: str) -> set[str]:
    """The variables a template text refers to."""
    from jinja2 import meta

    return set(meta.find_undeclared_variables(environment().parse(source)))


class _Budget:
    """Counts the template lines executed and watches the clock, from a trace hook on the template's own frames."""

    def __init__(self) -> None:
        self.steps = 0
        self.deadline = time.monotonic() + MAX_SECONDS

    def trace(self, frame: FrameType, event: str, arg: Any) -> Any:
        if frame.f_code.co_filename != "<template>":
            return None
        return self._line

    def _line(self, frame: FrameType, event: str, arg: Any) -> Any:
        if event == "line":
            self.steps += 1
            if self.steps > MAX_STEPS or (self.steps % 1000 == 0 and time.monotonic() > self.deadline):
                raise TemplateError(_("the template runs too long (a loop too big?); make it simpler"))
        return self._line


def _generate(source: str, values: Mapping[str, Any]) -> Iterator[str]:
    budget = _Budget()
    previous = sys.gettrace()
    sys.settrace(budget.trace)
    try:
        yield from environment().from_string(source).generate(**values)
    finally:
        sys.settrace(previous)


def render_text(source: str, values: Mapping[str, Any]) -> str:
    """``source`` rendered with ``values`` in the bounded sandbox; TemplateError for anything that goes wrong."""
    from jinja2 import TemplateError as JinjaError

    for name, value in values.items():
        if isinstance(value, str) and len(value) > MAX_VALUE:
            message = _("the value of '%(name)s' is longer than %(max)d characters")
            raise TemplateError(message % {"name": name, "max": MAX_VALUE})
    out: list[str] = []
    size = 0
    try:
        for chunk in _generate(source, values):
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise TemplateError(_("the template makes more than %(max)d characters of text") % {"max": MAX_OUTPUT})
            out.append(chunk)
    except TemplateError:
        raise
    except (JinjaError, ArithmeticError, RecursionError, MemoryError, TypeError, ValueError, LookupError) as exc:
        detail = f"{type(exc).__name__}: {exc}"
        raise TemplateError(_("the template cannot be rendered: %(detail)s") % {"detail": detail}) from None
    return "".join(out)


def _values_for(template: Template, values: Mapping[str, str], language: str) -> dict[str, str]:
    """The shared values, and the per-language ones (``name.cy`` / ``name.en``) under their plain names."""
    chosen = {k: v for k, v in values.items() if "." not in k}
    for name in template.per_language:
        chosen[name] = values[f"{name}.{language}"]
    return chosen


def check_values(template: Template, values: Mapping[str, str]) -> None:
    """TemplateError unless ``values`` gives every variable: shared ones once, free-text ones in both languages."""
    expected = {v for v in template.variables if v not in template.per_language}
    expected |= {f"{v}.{lang}" for v in template.per_language for lang in ("cy", "en")}
    unknown = set(values) - expected
    shared_given_once = sorted(v for v in template.per_language if v in values)
    if shared_given_once:
        names = ", ".join(shared_given_once)
        example = f"--var {shared_given_once[0]}.cy=... --var {shared_given_once[0]}.en=..."
        message = _("template '%(name)s': %(names)s is free text and needs a value in each language (%(example)s)")
        raise TemplateError(message % {"name": template.name, "names": names, "example": example})
    if unknown:
        values_text = {
            "name": template.name,
            "unknown": ", ".join(sorted(unknown)),
            "takes": ", ".join(sorted(expected)),
        }
        if expected:
            message = _("template '%(name)s' has no variable(s) %(unknown)s; it takes: %(takes)s")
        else:
            message = _("template '%(name)s' has no variable(s) %(unknown)s; it takes: none")
        raise TemplateError(message % values_text)
    missing = expected - set(values)
    if missing:
        message = _("template '%(name)s' needs --var for: %(missing)s")
        raise TemplateError(message % {"name": template.name, "missing": ", ".join(sorted(missing))})


def render(template: Template, values: Mapping[str, str]) -> Rendered:
    """Both languages of ``template`` with ``values``; TemplateError on any mismatch or excess."""
    check_values(template, values)
    try:
        cy = render_text(template.cy, _values_for(template, values, "cy"))
        en = render_text(template.en, _values_for(template, values, "en"))
    except TemplateError as exc:
        raise TemplateError(_("template '%(name)s': %(problem)s") % {"name": template.name, "problem": exc}) from None
    return Rendered(cy=cy.strip(), en=en.strip())
