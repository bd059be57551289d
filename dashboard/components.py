"""Widgets that return plain values; each takes a `key` so a page can use it more than once."""

from collections.abc import Callable
from typing import Any

import streamlit as st

from core.configs import settings_of
from core.data.dataset_info import DatasetInfo
from core.data.datasets import datasets_for
from core.errors import UserFacingError
from core.hosting import capped_defaults, check_within_caps
from core.models.registry import ModelSpec
from dashboard import url_state
from dashboard.highlight import escape_markdown

LARGEST_SEED = 2**32 - 1  # what NumPy's and scikit-learn's seeds take


def dataset_picker(task: str, key: str) -> DatasetInfo:
    """A select box of the task's datasets; bundled ones first."""
    options = datasets_for(task)
    chosen = st.selectbox(
        "Dataset",
        options,
        format_func=lambda info: (
            info.title + ("" if not info.needs_network else " (download once)")
        ),
        key=key,
    )
    st.caption(f"{chosen.description} Source: {chosen.source}.")
    return chosen


def dataset_url_field(task: str, key: str) -> url_state.UrlField:
    """The dataset picker's value in a link: `dataset=<name>`."""
    return url_state.choice("dataset", key, datasets_for(task), name=lambda info: info.name)


def settings_form(defaults: Any, key: str, hidden: frozenset = frozenset()) -> dict[str, Any]:
    """One input per setting of a config dataclass, three to a row; the values as typed.

    Ranges are checked by the config, not clamped by the widgets, so a wrong value gets a
    message that says what is allowed instead of silently changing.
    """
    values = {}
    columns = st.columns(3)
    settings = [item for item in settings_of(type(defaults)) if item.name not in hidden]
    for index, setting in enumerate(settings):
        label = setting.name.replace("_", " ").capitalize()
        widget_key = f"{key}.{setting.name}"
        default = getattr(defaults, setting.name)
        with columns[index % 3]:
            if setting.choices:
                values[setting.name] = st.selectbox(
                    label,
                    setting.choices,
                    help=setting.help,
                    index=setting.choices.index(default),
                    key=widget_key,
                )
            elif setting.kind is bool:
                values[setting.name] = st.checkbox(
                    label, value=default, help=setting.help, key=widget_key
                )
            elif setting.kind is str:
                values[setting.name] = st.text_input(
                    label, value=default, help=setting.help, key=widget_key
                )
            elif setting.kind is int:
                values[setting.name] = int(
                    st.number_input(label, value=default, step=1, help=setting.help, key=widget_key)
                )
            else:
                values[setting.name] = float(
                    st.number_input(
                        label,
                        value=float(default),
                        help=setting.help,
                        format="%g",
                        step=float(default) / 10 or 0.1,
                        key=widget_key,
                    )
                )
    return values


def settings_url_fields(
    defaults: Any, key: str, prefix: str = "", hidden: frozenset = frozenset()
) -> list[url_state.UrlField]:
    """The link parameters of a `settings_form` (`<prefix>.<setting>=<value>`), one per input."""
    fields = []
    for setting in settings_of(type(defaults)):
        if setting.name in hidden:
            continue
        param = f"{prefix}.{setting.name}" if prefix else setting.name
        default = getattr(defaults, setting.name)
        widget_key = f"{key}.{setting.name}"
        if setting.choices:
            fields.append(url_state.choice(param, widget_key, setting.choices, default=default))
        else:  # the type settings_form gives the input: a float setting takes 1 as 1.0
            fields.append(url_state.value(param, widget_key, setting.kind(default)))
    return fields


def seed_url_field(key: str) -> url_state.UrlField:
    """A page's seed input in a link: `seed=<n>`."""
    return url_state.value("seed", key, 0, 0, LARGEST_SEED)


def validated(title: str, build: Callable[[], Any]) -> Any | None:
    """The config `build` makes, or None after showing why it is invalid."""
    try:
        return build()
    except UserFacingError as error:
        st.error(escape_markdown(f"{title}: {error}"))
        return None


def config_form(spec: ModelSpec, key: str) -> tuple[Any | None, str | None]:
    """Inputs for every setting the model does not fix; the validated config, or None and
    why not (shown here too, under the inputs).

    In hosted mode a neural model's epochs start at the server's cap where the default is
    higher, and a value over the cap or over a setting's hosted bound gets the same message as
    any out-of-range setting.
    """
    values = settings_form(capped_defaults(spec), key, frozenset(spec.fixed))
    try:
        return _within_caps(spec, spec.config_with(values)), None
    except UserFacingError as error:
        st.error(escape_markdown(f"{spec.title}: {error}"))
        return None, str(error)


def _within_caps(spec: ModelSpec, config: Any) -> Any:
    check_within_caps(spec, config)
    return config


def attempt(compute: Callable[[], Any]) -> Any | None:
    """What `compute` returns, or None after showing its UserFacingError's message."""
    try:
        return compute()
    except UserFacingError as error:
        st.error(escape_markdown(str(error)))
        return None


def stop_button(job, key: str, help: str) -> None:
    """The Stop button of a background job (core.runtime.jobs.ChildJob), which says it is stopping
    once pressed, and why when the server asked (a deadline, memory); `help` says what a stop
    keeps."""
    stopping = job.stop_requested
    if job.stop_reason:
        st.warning(escape_markdown(job.stop_reason))
    st.button(
        "Stopping..." if stopping else "Stop",
        on_click=job.request_stop,
        disabled=stopping,
        key=key,
        help=help,
    )
