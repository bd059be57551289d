"""The contest's pictures as plotly figures: the ladder, the forecast and a sweep's trials.

Built here, beside the results they draw, so the decision memo (core/contest/memo.py) and the
dashboard's Contest page show the same figures.
"""

import numpy as np

from core.contest.contest_result import ContestResult
from core.contest.search_space import search_space
from core.contest.sweeps import Sweep
from core.models.registry import model_spec

SIDE_COLOURS = {"baseline": "#4c78a8", "neural": "#f58518"}


def ladder_figure(result: ContestResult):
    """Each rung's best validation accuracy (hollow where its best trial was cut short), the
    two finals' test accuracy with their intervals, and the majority floor."""
    import plotly.graph_objects as go

    figure = go.Figure()
    for side in SIDE_COLOURS:
        rungs = [rung for rung in result.rungs if rung.family == side and rung.sweep.best]
        figure.add_bar(
            x=[rung.sweep.best.score for rung in rungs],
            y=[rung.title for rung in rungs],
            orientation="h",
            name=f"{side}s: best validation accuracy",
            marker_color=SIDE_COLOURS[side],
            marker_pattern_shape=["" if rung.sweep.best.complete else "/" for rung in rungs],
            text=[f"{len(rung.sweep.trials)} trials" for rung in rungs],
            textposition="inside",
        )
    for side, contender in result.contenders.items():
        metrics = contender.run.metrics
        figure.add_scatter(
            x=[contender.score],
            y=[contender.rung.title],
            mode="markers",
            marker={"symbol": "diamond", "size": 12, "color": "black"},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": [metrics["accuracy_high"] - contender.score],
                "arrayminus": [contender.score - metrics["accuracy_low"]],
            },
            name=f"{side} pick: test accuracy (95% CI)",
        )
    figure.add_vline(
        x=result.floor,
        line_dash="dash",
        annotation_text=f"majority floor {result.floor:.1%}",
        annotation_position="bottom right",
    )
    scores = [rung.sweep.best.score for rung in result.rungs if rung.sweep.best]
    low = min([result.floor, *scores]) - 0.05
    figure.update_layout(
        title=f"The ladder on {result.dataset}",
        xaxis={"title": "accuracy", "range": [max(low, 0), 1.0]},
        yaxis={"autorange": "reversed"},
        barmode="group",
        height=120 + 40 * len(result.rungs),
        legend={"orientation": "h", "y": -0.2},
    )
    return figure


def forecast_figure(result: ContestResult):
    """Each side's test accuracy against training size, with the fitted power law out to the
    forecast's reach (10x the data), on a log scale."""
    import plotly.graph_objects as go

    forecast = result.forecast
    figure = go.Figure()
    for fit in (forecast.baseline, forecast.neural):
        title = result.contenders[fit.side].rung.title
        colour = SIDE_COLOURS[fit.side]
        figure.add_scatter(
            x=[point.examples for point in fit.points],
            y=[point.score for point in fit.points],
            error_y={"type": "data", "array": [point.standard_error for point in fit.points]},
            mode="markers",
            marker_color=colour,
            name=f"{title}: measured",
        )
        if fit.law is not None:
            sizes = np.geomspace(min(point.examples for point in fit.points), forecast.reach, 100)
            figure.add_scatter(
                x=sizes,
                y=fit.law.predict(sizes),
                mode="lines",
                line={"color": colour, "dash": "dot"},
                name=f"{title}: power-law fit",
            )
    figure.add_vline(x=forecast.full_size, line_dash="dash", annotation_text="all the data")
    figure.update_layout(
        title="Forecast: test accuracy as the training set grows",
        xaxis={"title": "labelled training examples", "type": "log"},
        yaxis={"title": "test accuracy"},
        legend={"orientation": "h", "y": -0.25},
    )
    return figure


def trials_figure(sweep: Sweep):
    """A sweep's scored trials in parallel coordinates: one axis per searched setting (choices
    as their names; a log-uniform range on a log10 axis), the last the validation accuracy,
    lines coloured by it."""
    import plotly.graph_objects as go

    ranges = search_space(model_spec(sweep.task, sweep.model), hosted=False)
    trials = [trial for trial in sweep.trials if trial.score is not None]
    dimensions = []
    for name in sweep.searched:
        values = [trial.settings.get(name) for trial in trials]
        if all(isinstance(value, int | float) and not isinstance(value, bool) for value in values):
            logarithmic = name in ranges and ranges[name].log
            dimensions.append(
                {
                    "label": f"{name} (log10)" if logarithmic else name,
                    "values": np.log10(values) if logarithmic else values,
                }
            )
            continue
        labels = sorted({str(value) for value in values})
        dimensions.append(
            {
                "label": name,
                "values": [labels.index(str(value)) for value in values],
                "tickvals": list(range(len(labels))),
                "ticktext": labels,
            }
        )
    scores = [trial.score for trial in trials]
    dimensions.append({"label": "validation accuracy", "values": scores})
    figure = go.Figure(
        go.Parcoords(
            line={"color": scores, "colorscale": "Viridis", "showscale": True},
            dimensions=dimensions,
        )
    )
    figure.update_layout(
        title=f"{len(trials)} trials of {sweep.model} on {sweep.dataset}",
        # Room for the outer axes' names, which plotly centres on the axes at the edges.
        margin={"l": 150, "r": 80},
    )
    return figure
