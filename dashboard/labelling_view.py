"""The sequence-labelling page's parts: the data, the results, and trying each tagger.

Data is word segmentation of a corpus (`segmentation:<corpus>`) or a tagged corpus the
visitor uploads (CoNLL-U or `word TAG` lines), parsed and stored by core/data/tagged_corpora.py.
"""

import numpy as np
import pandas as pd
import streamlit as st

from core.data.corpora import corpus_choices
from core.data.labelling import SEGMENTATION_PREFIX, LabellingData, load_labelling_data
from core.data.segmentation import sentence_words, words_from_labels
from core.data.tagged_corpora import parse_tagged_upload, save_tagged_upload
from core.data.uploads import check_upload_size, upload_size_cap_megabytes
from core.errors import UserFacingError
from dashboard import charts, state, url_state
from dashboard.components import attempt
from dashboard.highlight import escape_markdown
from dashboard.leaderboard import per_class_f1_table, tagger_table
from dashboard.state import TrainedModel

SEGMENTATION, UPLOAD = "Word segmentation of a corpus", "Upload a tagged corpus"
SOURCE_IDS = {SEGMENTATION: "segmentation", UPLOAD: "upload"}  # the sources' names in a link
SAMPLES_SHOWN = 8
MAX_TRY_CHARACTERS = 300


def labelling_url_fields(key: str) -> list[url_state.UrlField]:
    """The data choice in a link: `data=segmentation|upload` and `corpus=<name>`."""
    return [
        url_state.choice("data", f"{key}.source", list(SOURCE_IDS), name=SOURCE_IDS.get),
        url_state.choice("corpus", f"{key}.corpus", [choice.name for choice in corpus_choices()]),
    ]


def labelling_source(key: str) -> str | None:
    """The name of the chosen labelling dataset; None (explained) until one is ready."""
    source = st.radio("Task", (SEGMENTATION, UPLOAD), horizontal=True, key=f"{key}.source")
    if source == SEGMENTATION:
        choices = {choice.name: choice for choice in corpus_choices()}
        name = st.selectbox(
            "Corpus", list(choices), format_func=lambda n: choices[n].title, key=f"{key}.corpus"
        )
        st.caption(
            "Every sentence loses its spaces; a tagger learns to mark each character that "
            f"starts a word. {choices[name].description}"
        )
        return SEGMENTATION_PREFIX + name
    upload = st.file_uploader(
        "A CoNLL-U file, or one `word TAG` per line with a blank line between sentences",
        type=["conllu", "conll", "txt", "tsv"],
        key=f"{key}.file",
        max_upload_size=upload_size_cap_megabytes(),
        help=f"UTF-8, up to {upload_size_cap_megabytes()} MB. CoNLL-U files are tagged "
        "by their UPOS column. Nothing in the file is run.",
    )
    if upload is None:
        st.info("Upload a tagged corpus to train POS- or NER-style taggers on it.")
        return None
    saved = state.upload_step(
        "tagged",
        (upload.file_id,),
        lambda: _saved_or_message(upload),
    )
    if isinstance(saved, str):
        st.error(escape_markdown(saved))
        return None
    name, notes = saved
    for note in notes:
        st.info(escape_markdown(note))
    return name


def _saved_or_message(upload) -> tuple[str, tuple[str, ...]] | str:
    try:
        check_upload_size(upload.name, upload.size)  # before a byte of it is read
        corpus = parse_tagged_upload(upload.getvalue(), upload.name)
        return save_tagged_upload(corpus), corpus.notes
    except UserFacingError as error:
        return str(error)


def labelling_overview(name: str, seed: int) -> LabellingData | None:
    """Sizes, tags and sample sentences; None (with the message) if the data cannot load."""
    with st.spinner("Preparing sentences..."):
        data = attempt(lambda: load_labelling_data(name, seed))
    if data is None:
        return None
    tokens = sum(len(sequence) for sequence in data.sequences)
    split = data.split
    st.markdown(
        f"**{len(data.sequences):,} sentences**, {tokens:,} "
        f"{'characters' if data.kind == 'segmentation' else 'words'}, {len(data.tag_names)} tags; "
        f"train {len(split.train):,}, validation {len(split.validation):,}, "
        f"test {len(split.test):,} sentences."
    )
    counts = np.bincount(np.concatenate(data.tags), minlength=len(data.tag_names))
    tags, samples = st.tabs(["Tags", "Sample sentences"])
    with tags:
        st.dataframe(
            pd.DataFrame({"tag": data.tag_names, "tokens": counts, "share": counts / counts.sum()})
            .sort_values("tokens", ascending=False)
            .style.format({"share": "{:.1%}"}),
            hide_index=True,
        )
    with samples:
        st.dataframe(_samples(data), hide_index=True)
    return data


def _samples(data: LabellingData) -> pd.DataFrame:
    """The first training sentences as a model reads them, and with their tags."""
    rows = []
    for index in data.split.train[:SAMPLES_SHOWN]:
        tokens, tags = data.sequences[index], data.tags[index]
        if data.kind == "segmentation":
            rows.append({"input": "".join(tokens), "gold": words_from_labels(tokens, tags)})
        else:
            tagged = " ".join(f"{t}/{data.tag_names[g]}" for t, g in zip(tokens, tags, strict=True))
            rows.append({"input": " ".join(tokens), "gold": tagged})
    return pd.DataFrame(rows)


def results(models: list[TrainedModel]) -> None:
    """The comparison table, per-tag F1, and the training curves of the visitor's taggers."""
    runs, labels = [m.run for m in models], [m.label for m in models]
    st.dataframe(tagger_table(runs, labels), hide_index=True)
    st.caption(
        "On the test sentences. Intervals: 95% bootstrap over whole sentences. Word-boundary "
        "F1 scores the predicted word starts after each sentence's first character."
    )
    st.caption("Test F1 per tag")
    per_tag = per_class_f1_table(runs, labels).style.format("{:.3f}")
    st.dataframe(per_tag.highlight_max(axis=1, props="font-weight: bold; color: #1a7f37"))
    st.plotly_chart(
        charts.training_curves({m.label: m.run.history for m in models}), key="tagger_curves"
    )


def try_taggers(models: list[TrainedModel], data: LabellingData) -> None:
    """Each model's output for typed text, and its per-position confidence as colour."""
    segmentation = data.kind == "segmentation"
    text = st.text_input(
        "Unspaced text (a hashtag, a run-together sentence)"
        if segmentation
        else "A sentence (words separated by spaces)",
        value="thequickbrownfoxjumpsoverthelazydog" if segmentation else "",
        max_chars=MAX_TRY_CHARACTERS,
        key="labelling.try",
    )
    tokens = list("".join(sentence_words(text))) if segmentation else text.split()
    if not tokens:
        st.info("Type some letters or digits." if segmentation else "Type a sentence to tag it.")
        return
    probabilities, cells = {}, {}
    for trained in models:
        rows = trained.model.predict_proba([tokens])[0]  # (tokens, tags)
        predicted = rows.argmax(axis=1)
        if segmentation:
            st.markdown(f"**{trained.label}**")
            st.text(words_from_labels(tokens, predicted))
            probabilities[trained.label] = rows[:, 1]
            cells[trained.label] = tokens
        else:
            probabilities[trained.label] = rows.max(axis=1)
            cells[trained.label] = [data.tag_names[tag] for tag in predicted]
    what = "P(starts a word)" if segmentation else "P(tag)"
    st.plotly_chart(charts.per_position(probabilities, tokens, cells, what), key="per_position")
    if not segmentation:
        st.caption("Each cell shows the model's tag for the word; colour is its probability.")
