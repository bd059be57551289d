"""The Replier page's parts: the pairs, the 1-of-10 results, held-out examples, and trying it.

Every text here comes from a dataset or a visitor, so it is shown through st.text, tables or
escaped Markdown, never as HTML.
"""

import numpy as np
import pandas as pd
import streamlit as st

from core.data.replies import BUILT_IN, HACKER_NEWS, ReplyData, load_reply_data, save_reply_upload
from core.errors import UserFacingError
from core.models.repliers import Replier
from core.runs.store import RunRecord
from core.tasks.reply.evaluation import recall_by_overlap
from dashboard import charts, state, url_state
from dashboard.components import attempt
from dashboard.hacker_news_panel import fetch_panel
from dashboard.highlight import escape_markdown
from dashboard.leaderboard import replier_table
from dashboard.services import run_store
from dashboard.state import TrainedModel
from dashboard.table_upload import message_on_rejection, parsed_table

UPLOAD = "upload"
SAMPLES_SHOWN = 8
EXAMPLES_SHOWN = 5
PAGE_PIXELS = 640  # the content width of a page in Streamlit's centred layout
MIN_COLUMN_PIXELS = 120
MAX_MESSAGE_CHARACTERS = 500
ANSWERS_SHOWN = 3


def _titles() -> dict[str, str]:
    return {
        **{name: dataset.title for name, dataset in BUILT_IN.items()},
        UPLOAD: "Upload a CSV of pairs",
    }


def reply_url_field(key: str) -> url_state.UrlField:
    """The chosen pairs in a link: `data=<name>` (`upload` opens the CSV uploader)."""
    return url_state.choice("data", f"{key}.source", list(_titles()))


def reply_source(key: str) -> str | None:
    """The name of the chosen reply dataset; None (explained) until one is ready."""
    titles = _titles()
    source = st.radio(
        "Data", list(titles), format_func=titles.get, horizontal=True, key=f"{key}.source"
    )
    if source == HACKER_NEWS:
        fetch_panel()
    if source != UPLOAD:
        st.caption(BUILT_IN[source].description)
        return source
    return _uploaded_pairs(key)


def _uploaded_pairs(key: str) -> str | None:
    uploaded = parsed_table(
        key, "Upload a table with a message column and a reply column, one pair per row."
    )
    if uploaded is None:
        return None
    upload, table = uploaded
    columns = list(table.frame.columns)
    left, right = st.columns(2)
    message_column = left.selectbox(
        "Message column", columns, index=_guess(columns, ("message", "statement")), key=f"{key}.m"
    )
    reply_column = right.selectbox(
        "Reply column", columns, index=_guess(columns, ("reply", "response")), key=f"{key}.r"
    )
    saved = state.upload_step(
        "save",
        (upload.file_id, message_column, reply_column),
        lambda: message_on_rejection(
            lambda: save_reply_upload(table, message_column, reply_column)
        ),
    )
    if isinstance(saved, str):
        st.error(escape_markdown(saved))
        return None
    name, notes = saved
    for note in notes[len(table.notes) :]:
        st.info(escape_markdown(note))
    return name


def _guess(columns: list[str], names: tuple[str, ...]) -> int:
    """The index of the first column whose name contains one of `names`, else 0 or 1."""
    for index, column in enumerate(columns):
        if any(name in column.lower() for name in names):
            return index
    return min(1, len(columns) - 1) if "reply" in names else 0


def reply_overview(name: str, seed: int) -> ReplyData | None:
    """Sizes and sample pairs; None (with the message) if the data cannot load."""
    with st.spinner("Reading pairs..."):
        data = attempt(lambda: load_reply_data(name, seed))
    if data is None:
        return None
    split = data.split
    st.markdown(
        f"**{len(data.messages):,} distinct message -> reply pairs**; train "
        f"{len(split.train):,}, validation {len(split.validation):,}, test {len(split.test):,} "
        "(split by message: a test message never appears in training)."
    )
    with st.expander("Sample training pairs"):
        messages, replies = data.part(split.train[:SAMPLES_SHOWN])
        st.dataframe(pd.DataFrame({"message": messages, "reply": replies}), hide_index=True)
    return data


def results(models: list[TrainedModel], data: ReplyData) -> None:
    """The R@k table and charts, the neural-vs-baseline verdict, where each model wins, and
    the training curves."""
    runs, labels = [m.run for m in models], [m.label for m in models]
    table = replier_table(runs, labels)
    st.dataframe(table, hide_index=True)
    st.caption(
        "Each held-out message is shown with its true reply and 9 distractor replies from the "
        "test pairs, the same ten for every model; R@k is the share of messages whose true "
        "reply the model ranks in its top k (chance: R@1 0.1, R@2 0.2, R@5 0.5). Intervals: "
        "95% bootstrap over messages. Published anchors on Ubuntu data (Lowe et al. 2015): "
        "TF-IDF R@1 0.410, RNN 0.403, LSTM dual encoder 0.604."
    )
    left, right = st.columns(2)
    left.plotly_chart(
        charts.accuracy_with_intervals(runs, labels, "recall_at_1", "Recall@1 in 1-of-10"),
        key="reply_r1",
    )
    right.plotly_chart(
        charts.metric_bars(table, ["R@1", "R@2", "R@5"], "Recall@k in 1-of-10"), key="reply_rk"
    )
    verdict(models)
    where_each_wins(models, data)
    st.plotly_chart(
        charts.training_curves({m.label: m.run.history for m in models}), key="reply_curves"
    )


def _best(runs: list[RunRecord], family: str) -> RunRecord | None:
    from core.models.registry import model_spec

    chosen = [run for run in runs if model_spec(run.task, run.model).family == family]
    return max(chosen, key=lambda run: run.metrics["recall_at_1"], default=None)


def verdict(models: list[TrainedModel]) -> None:
    """Is the best neural replier ahead of the best baseline, by McNemar's test on R@1 hits?"""
    from core.runs.comparison import paired_test

    runs = [m.run for m in models]
    baseline, neural = _best(runs, "baseline"), _best(runs, "neural")
    if baseline is None or neural is None:
        st.info("Train the baseline and a neural replier to see which is ahead.")
        return
    test = attempt(lambda: paired_test(run_store(), neural, baseline))
    if test is None:
        return
    difference = neural.metrics["recall_at_1"] - baseline.metrics["recall_at_1"]
    cost = neural.train_seconds / max(baseline.train_seconds, 1e-9)
    names = f"{neural.model} against {baseline.model}"
    evidence = (
        f"R@1 {neural.metrics['recall_at_1']:.3f} vs {baseline.metrics['recall_at_1']:.3f}; "
        f"McNemar p = {test.p_value:.3g} over {test.discordant} messages where only one was "
        f"right; {cost:.0f}x the training time."
    )
    if test.p_value < 0.05 and difference > 0:
        st.success(f"The neural replier is ahead ({names}): {evidence}")
        return
    ahead = "the baseline is ahead" if test.p_value < 0.05 else "no significant difference"
    st.warning(
        f"The neural replier is not ahead at R@1 here ({names}: {ahead}), unlike the "
        f"published Ubuntu results: {evidence} The table below shows where each one wins."
    )


def where_each_wins(models: list[TrainedModel], data: ReplyData) -> None:
    """R@1 on test messages whose true reply repeats a word of the message, and on the rest."""
    store = run_store()
    choices = {m.label: store.predictions(m.run.id)[1] for m in models}
    rows = recall_by_overlap(*data.part(data.split.test), choices)
    st.caption(
        "Where each model wins: R@1 on the test messages whose true reply repeats a content "
        "word of the message (word overlap is all TF-IDF can see), and on the rest. Chance is "
        "0.1."
    )
    st.dataframe(pd.DataFrame(rows), hide_index=True)


def held_out_examples(models: list[TrainedModel], data: ReplyData) -> None:
    """A few test messages, drawn with the split's seed, with each model's answer beside the
    real reply."""
    rng = np.random.default_rng(data.split.seed)
    shown = rng.choice(
        data.split.test, size=min(EXAMPLES_SHOWN, len(data.split.test)), replace=False
    )
    messages, replies = data.part(np.sort(shown))
    rows = {"message": messages, "real reply": replies}
    for trained in models:
        rows[trained.label] = [_first_answer(trained.model, message) for message in messages]
    # Equal columns that fit the page: long texts are cut, and a click on a cell shows it whole.
    width = max(MIN_COLUMN_PIXELS, PAGE_PIXELS // len(rows))
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        column_config={name: st.column_config.TextColumn(width=width) for name in rows},
    )


def _first_answer(model: Replier, message: str) -> str:
    answers = model.respond(message, 1)
    return answers[0].reply if answers else "(no training message shares a word with it)"


def try_repliers(models: list[TrainedModel]) -> None:
    """Type a message; see every model's answers side by side, with their evidence."""
    message = st.text_area(
        "Your message",
        value="how old are you?",
        max_chars=MAX_MESSAGE_CHARACTERS,
        key="reply.try",
        help=f"Up to {MAX_MESSAGE_CHARACTERS} characters.",
    )
    if not message.strip():
        st.info("Type a message to see each model's reply.")
        return
    for column, trained in zip(st.columns(len(models)), models, strict=True):
        with column:
            st.markdown(f"**{escape_markdown(trained.label)}**")
            _answers(trained.model, message)


def _answers(model: Replier, message: str) -> None:
    try:
        answers = model.respond(message, ANSWERS_SHOWN)
    except (UserFacingError, ValueError) as error:
        st.error(escape_markdown(str(error)))
        return
    if not answers:
        st.info("No training message shares a word with yours, so retrieval has no answer.")
        return
    st.text(answers[0].reply)
    st.dataframe(
        pd.DataFrame(
            {
                "reply": [answer.reply for answer in answers],
                "score": [answer.score for answer in answers],
                **(
                    {"matched training message": [answer.matched_message for answer in answers]}
                    if answers[0].matched_message is not None
                    else {}
                ),
            }
        ),
        hide_index=True,
    )
