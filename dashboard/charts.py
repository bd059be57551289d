"""Plotly figures built from core results; no widgets, no computation of metrics."""

import html

import numpy as np
import plotly.express as px
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.runs.store import RunRecord

PALETTE = px.colors.qualitative.Safe
DASHES = ("solid", "dash", "dot")


def image_grid(images: np.ndarray, titles: list[str], columns: int = 10) -> go.Figure:
    """Small multiples of grayscale images with a caption each."""
    figure = px.imshow(
        np.asarray(images),
        facet_col=0,
        facet_col_wrap=columns,
        color_continuous_scale="gray_r",
        zmin=0,
        zmax=1,
        facet_row_spacing=0.12,
        facet_col_spacing=0.01,
    )
    for annotation, title in zip(figure.layout.annotations, titles, strict=False):
        annotation.text = title
    figure.update_xaxes(showticklabels=False).update_yaxes(showticklabels=False)
    rows = -(-len(images) // columns)
    figure.update_layout(
        coloraxis_showscale=False, height=120 * rows + 30, margin=dict(l=0, r=0, t=30, b=0)
    )
    return figure


def sequence_view(image: np.ndarray) -> go.Figure:
    """One image as the RNN sees it: each row is the feature vector of one timestep."""
    timesteps, features = image.shape
    figure = px.imshow(
        image,
        color_continuous_scale="gray_r",
        zmin=0,
        zmax=1,
        aspect="auto",
        labels=dict(x="feature (pixel column)", y="timestep (pixel row)", color="intensity"),
        x=list(range(1, features + 1)),
        y=[f"t={t}" for t in range(1, timesteps + 1)],
    )
    figure.update_layout(height=max(260, 16 * timesteps + 80), margin=dict(l=0, r=0, t=10, b=0))
    return figure


# What the right-hand panel of the training curves shows: the first a history holds.
SCORE_CURVES = (("accuracy", "Accuracy"), ("recall_at_1", "Recall@1 in 1-of-10"))


def training_curves(histories: dict[str, list[dict]]) -> go.Figure:
    """Loss and a score (accuracy, or a replier's Recall@1) per epoch for several models;
    validation dashed."""
    records = [record for history in histories.values() for record in history]
    score, score_title = next(
        (
            (name, title)
            for name, title in SCORE_CURVES
            if any(name in record or f"val_{name}" in record for record in records)
        ),
        SCORE_CURVES[0],
    )
    figure = make_subplots(rows=1, cols=2, subplot_titles=("Loss", score_title))
    in_legend = set()  # one legend entry per model and line, whichever panel draws it first
    for index, (title, history) in enumerate(histories.items()):
        color = PALETTE[index % len(PALETTE)]
        epochs = [record["epoch"] for record in history]
        for column, metric in ((1, "loss"), (2, score)):
            for prefix, dash in (("", "solid"), ("val_", "dash")):
                values = [record.get(prefix + metric) for record in history]
                if any(value is not None for value in values):
                    name = f"{title} {'validation' if prefix else 'train'}"
                    figure.add_trace(
                        go.Scatter(
                            x=epochs,
                            y=values,
                            mode="lines+markers",
                            line=dict(color=color, dash=dash),
                            name=name,
                            legendgroup=title,
                            showlegend=name not in in_legend,
                        ),
                        row=1,
                        col=column,
                    )
                    in_legend.add(name)
    figure.update_xaxes(title_text="epoch")
    figure.update_layout(height=340, margin=dict(l=0, r=0, t=30, b=0))
    return figure


def confusion_matrix(
    matrix: list[list[int]], class_names: tuple[str, ...], title: str
) -> go.Figure:
    figure = px.imshow(
        np.asarray(matrix),
        x=list(class_names),
        y=list(class_names),
        text_auto=True,
        color_continuous_scale="Blues",
        labels=dict(x="predicted", y="true", color="examples"),
    )
    figure.update_layout(
        title=title, height=380, coloraxis_showscale=False, margin=dict(l=0, r=0, t=40, b=0)
    )
    return figure


def probability_bars(
    probabilities: dict[str, np.ndarray], class_names: tuple[str, ...]
) -> go.Figure:
    """Each model's class probabilities for one input, side by side."""
    figure = go.Figure(
        [
            go.Bar(
                name=title,
                x=list(class_names),
                y=values,
                marker_color=PALETTE[index % len(PALETTE)],
            )
            for index, (title, values) in enumerate(probabilities.items())
        ]
    )
    figure.update_layout(
        barmode="group",
        yaxis=dict(range=[0, 1], title="probability"),
        height=320,
        margin=dict(l=0, r=0, t=10, b=0),
    )
    return figure


def accuracy_with_intervals(
    runs: list[RunRecord], labels: list[str], metric: str = "accuracy", title: str = "accuracy"
) -> go.Figure:
    """Each run's test `metric` (accuracy unless given) with its 95% bootstrap interval as
    error bars."""
    estimates, lows, highs = (
        np.asarray([run.metrics[name] for run in runs])
        for name in (metric, f"{metric}_low", f"{metric}_high")
    )
    figure = go.Figure(
        go.Scatter(
            x=estimates,
            y=labels,
            mode="markers",
            error_x=dict(
                type="data", symmetric=False, array=highs - estimates, arrayminus=estimates - lows
            ),
        )
    )
    figure.update_layout(
        xaxis_title=f"test {title} (95% bootstrap interval)",
        height=80 + 28 * len(labels),
        margin=dict(l=0, r=0, t=10, b=0),
    )
    return figure


def numbered_grid(values: np.ndarray, row_label: str, column_label: str, title: str = ""):
    """A small matrix with every number written in its cell, so values can be followed."""
    values = np.atleast_2d(values)
    figure = px.imshow(
        values,
        text_auto=True,
        color_continuous_scale="Blues",
        labels=dict(x=column_label, y=row_label, color="value"),
        aspect="auto",
    )
    figure.update_xaxes(dtick=1).update_yaxes(dtick=1)
    figure.update_layout(
        title=title,
        coloraxis_showscale=False,
        height=60 + 34 * values.shape[0] + (30 if title else 0),
        margin=dict(l=0, r=0, t=30 if title else 10, b=0),
    )
    return figure


def loss_curve(history: list[dict]) -> go.Figure:
    """Cost per epoch on a log scale, where slow convergence and blow-ups both show."""
    epochs = [record["epoch"] for record in history]
    losses = [record["loss"] for record in history]
    figure = go.Figure(go.Scatter(x=epochs, y=losses, mode="lines", name="cost"))
    figure.update_layout(
        xaxis_title="epoch",
        yaxis=dict(title="cost", type="log", dtick=1),  # label powers of ten only
        height=300,
        margin=dict(l=0, r=0, t=10, b=0),
    )
    return figure


def line_fit(X: np.ndarray, y: np.ndarray, lines: dict[str, tuple[float, float]]) -> go.Figure:
    """The points of a one-feature problem with each fitted line y = w x + b over them."""
    figure = go.Figure(go.Scatter(x=X[:, 0], y=y, mode="markers", name="points", opacity=0.6))
    ends = np.array([X[:, 0].min(), X[:, 0].max()])
    for index, (name, (weight, intercept)) in enumerate(lines.items()):
        figure.add_trace(
            go.Scatter(
                x=ends,
                y=weight * ends + intercept,
                mode="lines",
                name=name,
                # Later lines dashed: a fit that lands exactly on another stays visible.
                line=dict(color=PALETTE[index % len(PALETTE)], width=3, dash=DASHES[index % 3]),
            )
        )
    figure.update_layout(
        xaxis_title="x", yaxis_title="y", height=360, margin=dict(l=0, r=0, t=10, b=0)
    )
    return figure


def predicted_against_actual(y: np.ndarray, predictions: dict[str, np.ndarray]) -> go.Figure:
    """For several features: each model's predictions against the true y, and the diagonal."""
    figure = go.Figure()
    for index, (name, values) in enumerate(predictions.items()):
        figure.add_trace(
            go.Scatter(
                x=y,
                y=values,
                mode="markers",
                name=name,
                opacity=0.6,
                marker=dict(color=PALETTE[index % len(PALETTE)]),
            )
        )
    ends = [float(np.min(y)), float(np.max(y))]
    figure.add_trace(
        go.Scatter(x=ends, y=ends, mode="lines", name="perfect", line=dict(dash="dot"))
    )
    figure.update_layout(
        xaxis_title="true y",
        yaxis_title="predicted y",
        height=360,
        margin=dict(l=0, r=0, t=10, b=0),
    )
    return figure


def class_balance(table) -> go.Figure:
    """Texts per class, from core.data.text_stats.class_length_table's class rows."""
    figure = go.Figure(
        go.Bar(
            x=table["class"],
            y=table["texts"],
            text=[f"{share:.1%}" for share in table["share"]],
            marker_color=PALETTE[0],
        )
    )
    figure.update_layout(yaxis_title="texts", height=300, margin=dict(l=0, r=0, t=10, b=0))
    return figure


def word2vec_loss(history: list[dict]) -> go.Figure:
    """Word2vec's training loss per word for each epoch that reported one."""
    points = [record for record in history if record["loss"] is not None]
    figure = go.Figure(
        go.Scatter(
            x=[record["epoch"] for record in points],
            y=[record["loss"] for record in points],
            mode="lines+markers",
        )
    )
    figure.update_layout(
        xaxis=dict(title="epoch", tickformat="d", dtick=max(1, len(history) // 10)),
        yaxis_title="loss per word",
        height=260,
        margin=dict(l=0, r=0, t=10, b=0),
    )
    return figure


MAP_STYLES = {  # role: legend entry, colour, marker size
    "other": ("words", "#9aa5b1", 5),
    "neighbour": ("nearest neighbours", PALETTE[0], 9),
    "searched": ("searched word", PALETTE[1], 14),
}


def word_map(mapped, axis: str, searched: str | None, neighbours: list[str]) -> go.Figure:
    """Projected words (core.models.word_vectors), named on hover; searched word, neighbours
    labelled."""
    roles = {word: "neighbour" for word in neighbours}
    if searched:
        roles[searched] = "searched"
    three_d = mapped.coordinates.shape[1] == 3
    figure = go.Figure()
    for role, (name, color, size) in MAP_STYLES.items():
        rows = [
            index for index, word in enumerate(mapped.words) if roles.get(word, "other") == role
        ]
        if not rows:
            continue
        points = mapped.coordinates[rows]  # (words, dimensions)
        trace = dict(
            mode="markers" if role == "other" else "markers+text",
            text=None if role == "other" else [mapped.words[index] for index in rows],
            textposition="top center",
            textfont=dict(color="#262730", size=15 if role == "searched" else 12),
            hovertext=[f"{mapped.words[index]}: {mapped.counts[index]:,} times" for index in rows],
            hoverinfo="text",
            name=name,
            marker=dict(
                color=color,
                size=size * 0.6 if three_d else size,
                opacity=0.6 if role == "other" else 1.0,
            ),
        )
        if three_d:
            figure.add_trace(go.Scatter3d(x=points[:, 0], y=points[:, 1], z=points[:, 2], **trace))
        else:
            figure.add_trace(go.Scatter(x=points[:, 0], y=points[:, 1], **trace))
    titles = [f"{axis} {number}" for number in range(1, mapped.coordinates.shape[1] + 1)]
    if three_d:
        figure.update_scenes(xaxis_title=titles[0], yaxis_title=titles[1], zaxis_title=titles[2])
    else:
        figure.update_layout(xaxis_title=titles[0], yaxis_title=titles[1])
    figure.update_layout(
        height=620, margin=dict(l=0, r=0, t=10, b=0), legend=dict(orientation="h", y=1.02)
    )
    return figure


def per_position(
    probabilities: dict[str, np.ndarray],
    tokens: list[str],
    cell_text: dict[str, list[str]],
    what: str,
) -> go.Figure:
    """One row per model, one cell per token coloured by a probability, with a label in it.

    Cells sit at numbered positions labelled with their tokens, so a repeated token keeps
    its own cell (a categorical axis would merge equal labels).
    """
    models = list(probabilities)
    z = np.array([probabilities[model] for model in models])
    # Plotly reads a few HTML tags in labels: escaped, user text shows as typed.
    text = [[html.escape(label) for label in cell_text[model]] for model in models]
    tokens = [html.escape(token) for token in tokens]
    figure = go.Figure(
        go.Heatmap(
            z=z,
            x=list(range(1, len(tokens) + 1)),
            y=models,
            text=text,
            texttemplate="%{text}",
            customdata=[tokens] * len(models),
            hovertemplate="%{y}<br>position %{x}: %{customdata}<br>" + what + " %{z:.3f}"
            "<extra></extra>",
            colorscale="Blues",
            zmin=0,
            zmax=1,
            colorbar=dict(title=what, thickness=12),
        )
    )
    if len(tokens) <= 40:
        positions = list(range(1, len(tokens) + 1))
        figure.update_xaxes(tickvals=positions, ticktext=tokens)
    figure.update_yaxes(autorange="reversed")  # models top to bottom in the order given
    figure.update_layout(height=90 + 46 * len(models), margin=dict(l=0, r=0, t=10, b=0))
    return figure


def metric_bars(table, columns: list[str], title: str) -> go.Figure:
    """Grouped bars of a few metric columns (0-1 scale) per model row of a results table."""
    figure = go.Figure(
        [
            go.Bar(name=column, x=table["model"], y=table[column], marker_color=PALETTE[index])
            for index, column in enumerate(columns)
        ]
    )
    figure.update_layout(
        barmode="group",
        title=title,
        yaxis_range=[0, 1],
        height=320,
        margin=dict(l=0, r=0, t=40, b=0),
    )
    return figure


def metric_against_time(
    runs: list[RunRecord], labels: list[str], families: list[str], metric: str, title: str
) -> go.Figure:
    """Each run's test `metric` against its training seconds (log scale), one colour per
    family: what each extra point of the metric costs."""
    figure = go.Figure()
    for index, name in enumerate(sorted(set(families))):
        chosen = [i for i, family in enumerate(families) if family == name]
        figure.add_trace(
            go.Scatter(
                x=[runs[i].train_seconds for i in chosen],
                y=[runs[i].metrics[metric] for i in chosen],
                mode="markers",
                name=name or "unlisted",
                text=[labels[i] for i in chosen],
                hovertemplate="%{text}<br>%{x:.3g} s, %{y:.4f}<extra></extra>",
                marker=dict(color=PALETTE[index % len(PALETTE)], size=10),
            )
        )
    figure.update_layout(
        xaxis=dict(title="training seconds (log scale)", type="log"),
        yaxis_title=f"test {title}",
        height=320,
        margin=dict(l=0, r=0, t=10, b=0),
    )
    return figure


def learning_curve(curve, titles: dict[str, str]) -> go.Figure:
    """A core.contest.learning_curves.LearningCurve: each model's mean test metric over seeds
    against the training examples (log scale) with 95% intervals, every seed's point faint behind,
    and a dashed line where the neural model overtakes for good."""
    figure = go.Figure()
    summary = curve.summary()
    for index, model in enumerate((curve.settings.baseline, curve.settings.model)):
        color = PALETTE[index % len(PALETTE)]
        points = [point for point in curve.points if point.model == model]
        rows = [row for row in summary if row["model"] == model]
        figure.add_trace(
            go.Scatter(
                x=[point.examples for point in points],
                y=[point.metric for point in points],
                mode="markers",
                marker=dict(color=color, opacity=0.35, size=6),
                name=f"{titles[model]}, each seed",
                legendgroup=model,
            )
        )
        bars = all(row["low"] is not None for row in rows)
        figure.add_trace(
            go.Scatter(
                x=[row["examples"] for row in rows],
                y=[row["mean"] for row in rows],
                mode="lines+markers",
                line=dict(color=color, dash=DASHES[index % len(DASHES)]),
                marker=dict(size=9),
                name=f"{titles[model]}, mean",
                legendgroup=model,
                error_y=dict(
                    type="data",
                    symmetric=False,
                    array=[row["high"] - row["mean"] for row in rows],
                    arrayminus=[row["mean"] - row["low"] for row in rows],
                )
                if bars
                else None,
            )
        )
    crossing = curve.crossover()
    if crossing:
        figure.add_vline(
            x=crossing["examples"],
            line=dict(dash="dash", color="#555"),
            annotation_text=f"{titles[curve.settings.model]} ahead from here",
            annotation_position="top left",
        )
    figure.update_layout(
        xaxis=dict(title="training examples (log scale)", type="log"),
        yaxis_title=f"test {curve.metric_title or 'metric'}",
        height=380,
        margin=dict(l=0, r=0, t=30, b=0),
        legend=dict(orientation="h", y=-0.2),
    )
    return figure
