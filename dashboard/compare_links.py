"""The Compare page in a link: the verdict's dataset (`verdict=task/dataset`), the filters
(`task=`, `dataset=`, `model=`, `family=`, `status=`, each comma-separated), the two runs of
the paired test (`first=`, `second=`, by run id) and the learning curve's settings."""

from core.runs.store import RunRecord
from dashboard import url_state
from dashboard.compare_view import FILTERS, verdict_choices
from dashboard.curve_view import curve_url_fields


def compare_url_fields(runs: list[RunRecord]) -> list[url_state.UrlField]:
    scored = [run for run in runs if "accuracy" in run.metrics]
    fields = [
        url_state.choices(
            field, f"compare.{field}", sorted({value_of(run) for run in runs}), default=[]
        )
        for field, value_of in FILTERS.items()
    ]
    choices, newest = verdict_choices(runs)
    if choices:
        fields.append(
            url_state.choice(
                "verdict",
                "compare.verdict",
                choices,
                name=lambda choice: f"{choice[0]}/{choice[1]}",
                default=newest,
            )
        )
    if scored:
        # The runs offered depend on the filters, so their first runs are no fixed default:
        # the chosen runs are always in the link.
        fields += [
            url_state.choice(
                position,
                f"compare.{position}",
                scored,
                name=lambda run: run.id,
                default=url_state.ALWAYS,
            )
            for position in ("first", "second")
        ]
    return fields + curve_url_fields()
