"""Each page's settings in its URL, so a copied link opens the same data, models and settings.

A page lists the widgets whose values belong in its link, one `UrlField` each, and calls
`sync` before drawing them. On the page's first run in a session, the link's values go into
those widgets' session state, each checked against what its widget offers; a value that does
not fit (a dataset not on this server, a model that no longer exists, a typo) is left out
with a short notice, never an error. On every run, the values that differ from the widgets'
defaults are written back to the URL, so the address bar always holds the page as shown.

Streamlit's own `bind="query-params"` names parameters after widget keys, writes choices by
their displayed titles and drops a bad value silently; seqlab's links use ids
(`?dataset=digits&models=logreg,lstm&lstm.epochs=3`), say when a value was dropped, and can
name a stored upload, which is then offered to this visitor too.
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st

from dashboard.highlight import escape_markdown

SEEDED_PAGES = "url_state.seeded"  # pages whose link values this session has already applied
SHOWN_CHARACTERS = 60  # of a rejected link value, in the notice
# The largest whole number a browser's number input holds exactly (JavaScript's safe integer).
LARGEST_WHOLE_NUMBER = 2**53 - 1
ALWAYS = object()  # a default that no value equals: the value is always written to the link


@dataclass(frozen=True)
class UrlField:
    """One widget whose value lives in the URL."""

    param: str  # its name in the URL
    key: str  # the widget's session-state key
    default: Any  # the widget's own default, left out of the URL
    read: Callable[[str], Any]  # URL text -> widget value; ValueError says why it does not fit
    write: Callable[[Any], str]  # widget value -> URL text


def choice(
    param: str,
    key: str,
    options: Sequence[Any],
    *,
    name: Callable[[Any], str] = str,
    default: Any = None,
) -> UrlField:
    """A select box or radio over `options`, each written in the URL as `name(option)`."""
    by_name = {name(option): option for option in options}

    def read(text: str) -> Any:
        if text not in by_name:
            raise ValueError(f"not one of {_listed(by_name)}")
        return by_name[text]

    return UrlField(param, key, options[0] if default is None else default, read, name)


def choices(
    param: str, key: str, options: Sequence[Any], default: Sequence[Any], *, name=str
) -> UrlField:
    """A multiselect over `options`, written as comma-separated names (`logreg,lstm`)."""
    by_name = {name(option): option for option in options}

    def read(text: str) -> list:
        names = [item.strip() for item in text.split(",") if item.strip()]
        unknown = [item for item in names if item not in by_name]
        if unknown:
            raise ValueError(f"{_shortened(', '.join(unknown))} is not one of {_listed(by_name)}")
        return [by_name[item] for item in dict.fromkeys(names)]

    def write(values: Sequence[Any]) -> str:
        return ",".join(name(value) for value in values)

    return UrlField(param, key, list(default), read, write)


def value(
    param: str,
    key: str,
    default: Any,
    minimum: float | None = None,
    maximum: float | None = None,
) -> UrlField:
    """A number input, checkbox or text input whose default is `default` (its type too); a
    number input with its own `minimum` and `maximum`, which a link's value must respect (the
    input would refuse it)."""
    kind = type(default)
    read = _reader(kind)
    if minimum is None and maximum is None:
        return UrlField(param, key, default, read, _writer(kind))

    def read_within(text: str) -> Any:
        number = read(text)
        if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
            raise ValueError(f"not between {minimum} and {maximum}")
        return number

    return UrlField(param, key, default, read_within, _writer(kind))


def _reader(kind: type) -> Callable[[str], Any]:
    if kind is bool:

        def read_flag(text: str) -> bool:
            if text not in ("true", "false"):
                raise ValueError("not true or false")
            return text == "true"

        return read_flag
    if kind is int:

        def read_int(text: str) -> int:
            try:
                number = int(text)
            except ValueError:
                raise ValueError("not a whole number") from None
            if abs(number) > LARGEST_WHOLE_NUMBER:
                raise ValueError("too large a number")
            return number

        return read_int
    if kind is float:

        def read_float(text: str) -> float:
            try:
                number = float(text)
            except ValueError:
                raise ValueError("not a number") from None
            if not math.isfinite(number):
                raise ValueError("not a finite number")
            return number

        return read_float
    return str


def _writer(kind: type) -> Callable[[Any], str]:
    if kind is bool:
        return lambda flag: "true" if flag else "false"
    return repr if kind is float else str


def _shortened(text: str) -> str:
    """`text` as a notice shows it: cut after SHOWN_CHARACTERS, so a huge link value (or a
    list of thousands of unknown names) makes a short notice."""
    return text if len(text) <= SHOWN_CHARACTERS else text[:SHOWN_CHARACTERS] + "..."


def _listed(by_name: dict) -> str:
    names = list(by_name)
    return ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")


def seed(fields: Sequence[UrlField], params: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    """The widget values a link's `params` give `fields` (by key), and a note per value left
    out. Parameters no field names are ignored."""
    values, notes = {}, []
    for field in fields:
        if field.param not in params:
            continue
        text = params[field.param]
        try:
            values[field.key] = field.read(text)
        except ValueError as reason:
            notes.append(f"{field.param}={_shortened(text)!r} ({reason})")
    return values, notes


def params_of(fields: Sequence[UrlField], values: dict[str, Any]) -> dict[str, str]:
    """The URL parameters for the widgets' current `values` (by key): those not at default."""
    return {
        field.param: field.write(values[field.key])
        for field in fields
        if field.key in values and values[field.key] != field.default
    }


def sync(page: str, fields: Sequence[UrlField]) -> None:
    """Apply the link's values on the page's first run in this session, then write the
    widgets' current values to the URL. Call before the widgets are drawn."""
    seeded = st.session_state.setdefault(SEEDED_PAGES, set())
    if page not in seeded:
        seeded.add(page)
        values, notes = seed(fields, st.query_params.to_dict())
        for key, linked in values.items():
            st.session_state[key] = linked
        if notes:
            st.info(
                escape_markdown(f"Ignored from the link: {'; '.join(notes)}."),
                icon=":material/link_off:",
            )
    current = {
        field.key: st.session_state[field.key] for field in fields if field.key in st.session_state
    }
    params = params_of(fields, current)
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)
