"""The contest on the Contest page: start it, watch it, then the verdict, the ladder, the two
picks' costs, the forecast, the order probe and the decision memo."""

import json

import pandas as pd
import streamlit as st

from core.contest.contest_figures import forecast_figure, ladder_figure
from core.contest.contest_result import ContestResult
from core.contest.memo import memo_dict, memo_html
from core.data.dataset_info import DatasetInfo
from core.runtime.contest_jobs import CONTEST, ContestRequest
from dashboard.config_links import use_config_button
from dashboard.contest_panel import budget_input, job_section, start_button
from dashboard.highlight import escape_markdown


def contest_section(task: str, dataset: DatasetInfo | None, seed: int) -> None:
    budget = budget_input(
        CONTEST,
        help="Wall-clock seconds of tuning, half for the baselines and half for the networks; "
        "scoring the two picks on test, the forecast and the order probe come after it.",
    )
    request = None if dataset is None else ContestRequest(task, dataset.name, budget, seed)
    start_button(
        request,
        "Start the contest",
        help="Tunes every rung of the ladder on the validation part, in the background; the "
        "best of each side is then scored once on the test part and the two are judged.",
    )
    job = job_section(CONTEST)
    if job is not None and job.result is not None:
        contest_result(job.result)


def _rung_frame(result: ContestResult) -> pd.DataFrame:
    picks = {contender.rung.model: contender for contender in result.contenders.values()}
    rows = []
    for rung in result.rungs:
        best, pick = rung.sweep.best, picks.get(rung.model)
        rows.append(
            {
                "rung": rung.title,
                "side": rung.family,
                "trials": len(rung.sweep.trials),
                "complete": sum(trial.complete for trial in rung.sweep.trials),
                "best validation accuracy": None if best is None else best.score,
                "best trial": "-" if best is None else f"{best.number} ({best.state})",
                "test accuracy": None if pick is None else pick.score,
                "tuning s": rung.seconds,
            }
        )
    return pd.DataFrame(rows)


def _picks_frame(result: ContestResult) -> pd.DataFrame:
    rows = []
    for side, contender in result.contenders.items():
        run = contender.run
        rows.append(
            {
                "side": side,
                "model": contender.rung.title,
                "test accuracy": contender.score,
                "95% CI": f"{run.metrics['accuracy_low']:.3f}-{run.metrics['accuracy_high']:.3f}",
                "train s": run.train_seconds,
                "ms / prediction": run.predict_ms,
                "parameters": run.param_count,
                "MB": contender.megabytes,
            }
        )
    return pd.DataFrame(rows)


def contest_result(result: ContestResult) -> None:
    """The verdict, the ladder, the picks' costs, the forecast, the order probe, the memo."""
    st.subheader(f"The contest on {result.dataset}")
    st.markdown(f"**Verdict.** {escape_markdown(result.verdict)}")
    st.dataframe(
        _rung_frame(result),
        hide_index=True,
        placeholder="-",
        column_config={
            name: st.column_config.NumberColumn(format="%.4f")
            for name in ("best validation accuracy", "test accuracy")
        }
        | {"tuning s": st.column_config.NumberColumn(format="%.1f")},
        key="contest.rungs",
    )
    st.caption(
        f"Each rung tuned on the validation part within its share of the "
        f"{result.budget_seconds:g} s budget; only each side's best was scored on the test "
        f"part. The majority floor scores {result.floor:.1%} on test."
    )
    if result.contenders:
        st.markdown("**The picks: what each costs**")
        st.dataframe(
            _picks_frame(result),
            hide_index=True,
            placeholder="-",
            column_config={
                "test accuracy": st.column_config.NumberColumn(format="%.4f"),
                "train s": st.column_config.NumberColumn(format="%.1f"),
                "ms / prediction": st.column_config.NumberColumn(format="%.3f"),
                "MB": st.column_config.NumberColumn(format="%.2f"),
            },
            key="contest.picks",
        )
        columns = st.columns(len(result.contenders))
        for column, (side, contender) in zip(columns, result.contenders.items(), strict=True):
            with column:
                use_config_button(
                    result.task,
                    result.dataset,
                    contender.rung.model,
                    contender.trial.settings,
                    result.seed,
                    key=f"contest.use.{side}",
                    label=f"Use the {side} pick's config ({contender.rung.title})",
                )
    st.plotly_chart(ladder_figure(result), key="contest.ladder")
    forecast = result.forecast
    if forecast is not None and forecast.status != "no forecast":
        st.plotly_chart(forecast_figure(result), key="contest.forecast")
    if forecast is not None:
        st.caption(escape_markdown(forecast.sentence))
    if result.probes:
        st.markdown("**Does the order matter?**")
        for side, probe in result.probes.items():
            title = result.contenders[side].rung.title
            st.markdown(f"- {escape_markdown(title)}: {escape_markdown(probe.sentence)}")
    _memo_downloads(result)


def _memo_downloads(result: ContestResult) -> None:
    stem = f"contest-{result.task}-{result.dataset}-seed{result.seed}"
    html, data = st.columns(2)
    html.download_button(
        "Decision memo (HTML)",
        data=lambda: memo_html(result),
        file_name=f"{stem}.html",
        mime="text/html",
        on_click="ignore",
        key="contest.memo_html",
        help="The verdict, the tables and the figures in one file that opens offline.",
    )
    data.download_button(
        "Decision memo (JSON)",
        data=lambda: json.dumps(memo_dict(result), indent=1),
        file_name=f"{stem}.json",
        mime="application/json",
        on_click="ignore",
        key="contest.memo_json",
        help="Everything the contest found, the versions that computed it and the commands "
        "that reproduce it.",
    )
