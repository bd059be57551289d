"""The predictive-text page's results and its keyboard: suggestions on every keystroke.

The text box is `streamlit-keyup`, which reruns the keyboard on every keystroke (no Enter
needed). A suggestion button appends its word to the text; the box then gets a new widget
key with the new text as its value, the component's documented way to set it from Python.
Session state: TEXT (the text the box starts from) and BOX (a counter in its widget key).
"""

import streamlit as st
from st_keyup import st_keyup

from core.errors import UserFacingError
from core.tasks.text_prediction.keyboard import continue_text, suggest
from dashboard import charts, hosting
from dashboard.highlight import escape_markdown
from dashboard.leaderboard import language_model_table
from dashboard.state import TrainedModel

TEXT = "predict.text"
BOX = "predict.box"
SUGGESTIONS = 3
MAX_TYPED = 2000  # characters; the models read only the last words of it anyway


def comparison(models: list[TrainedModel]) -> None:
    """The table every language model fills in the same way, and the two accuracy charts."""
    table = language_model_table([m.run for m in models], [m.label for m in models])
    st.dataframe(table, hide_index=True)
    st.caption(
        "All on the same test documents. Perplexity: over every test word of the shared "
        "vocabulary; a word outside it counts as the token <unk>, predicted like any word, "
        "for every model alike (the character model spells words out, so it is measured in "
        "bits per character instead). Top-1/top-3: is the next word among the model's best "
        "real-word guesses? Keystrokes saved: a user types letters and accepts a suggestion "
        "as soon as the wanted word is among the top 3."
    )
    st.plotly_chart(
        charts.metric_bars(table, ["top-1", "top-3", "keystrokes saved"], "Next-word accuracy"),
        key="lm_bars",
    )
    st.plotly_chart(
        charts.training_curves({m.label: m.run.history for m in models}), key="lm_curves"
    )


def _append(word: str, typed: str, prefix: str) -> None:
    """Accept a suggestion: replace the half-typed word, or add the next word."""
    text = typed[: len(typed) - len(prefix)] if prefix else typed
    if text and not text.endswith((" ", "\n")):
        text += " "
    st.session_state[TEXT] = text + word + " "
    st.session_state[BOX] = st.session_state.get(BOX, 0) + 1


@st.fragment
def keyboard(models: list[TrainedModel]) -> None:
    """Type, and see each model's top 3 next words (or completions) in its own column.

    A fragment: a keystroke or a click on a suggestion reruns this part alone, not the page
    with its tables and charts above (which made each keystroke wait seconds).
    """
    typed = st_keyup(
        "Type here: suggestions follow every keystroke",
        value=st.session_state.get(TEXT, ""),
        max_chars=MAX_TYPED,
        placeholder="the history of",
        key=f"predict.box.{st.session_state.get(BOX, 0)}",
    )
    columns = st.columns(len(models))
    total_ms = 0.0
    for column, trained in zip(columns, models, strict=True):
        with column:
            st.markdown(f"**{trained.title}**")
            offered = hosting.applied(trained.model, suggest, typed, SUGGESTIONS)
            total_ms += offered.milliseconds
            st.caption(
                f"completing '{escape_markdown(offered.prefix)}'"
                if offered.prefix
                else "next word",
                help="Click a word to add it to the text.",
            )
            if not offered.words:
                st.caption("No word in this model's vocabulary starts like that.")
            for index, (word, probability) in enumerate(
                zip(offered.words, offered.probabilities, strict=True)
            ):
                st.button(
                    f"{escape_markdown(word)}  ({probability:.1%})",
                    key=f"suggest.{trained.run.id}.{index}",
                    on_click=_append,
                    args=(word, typed, offered.prefix),
                    width="stretch",
                )
    st.caption(f"All {len(models)} models answered in {total_ms:.1f} ms for this keystroke.")


def continuation(models: list[TrainedModel]) -> None:
    """Each model continues a prompt, sampled at the chosen temperature and top-k."""
    prompt = st.text_input("Prompt", value="the history of", max_chars=MAX_TYPED)
    left, middle, right, last = st.columns(4)
    temperature = left.slider("Temperature", 0.1, 2.0, 0.8, 0.1, key="continue.temperature")
    top_k = middle.number_input("Top-k (0: all words)", 0, 1000, 20, key="continue.top_k")
    words = right.number_input("Words", 1, 200, 30, key="continue.words")
    seed = last.number_input("Seed", 0, 2**31 - 1, 0, key="continue.seed")
    if not st.button("Continue", key="continue.go"):
        return
    columns = st.columns(len(models))
    for column, trained in zip(columns, models, strict=True):
        with column, st.spinner(f"{trained.title} is writing..."):
            st.markdown(f"**{trained.title}**")
            try:
                text = hosting.applied(
                    trained.model,
                    continue_text,
                    prompt,
                    int(words),
                    temperature,
                    int(top_k) or None,
                    int(seed),
                )
            except (UserFacingError, ValueError) as error:
                st.error(escape_markdown(str(error)))
                continue
            st.text(f"{prompt} {text}")
