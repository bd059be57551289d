"""The Compare page in a link: its filters (`task=`, `dataset=`, `model=`, `status=`, each
comma-separated) and the two runs of the paired test (`first=`, `second=`, by run id)."""

from core.store import RunRecord
from dashboard import url_state

FILTERS = ("task", "dataset", "model", "status")


def compare_url_fields(runs: list[RunRecord]) -> list[url_state.UrlField]:
    scored = [run for run in runs if "accuracy" in run.metrics]
    fields = [
        url_state.choices(
            field, f"compare.{field}", sorted({getattr(run, field) for run in runs}), default=[]
        )
        for field in FILTERS
    ]
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
    return fields
