"""The datasets of the sequence-labelling task: word segmentation of a corpus, or a tagged upload.

A labelling dataset is token sequences with one tag per token and the names of the tags,
plus the split every tagger on it shares:
- `segmentation:<corpus>` (any name `core.data.corpora.load_corpus` takes): each sentence of the
  corpus without its spaces, one character per token, tagged "starts a word" or not
  (core/data/segmentation.py). The corpus is split by whole document first, so no test sentence
  comes from an article seen in training.
- a tagged corpus uploaded as CoNLL-U or `word TAG` lines (core/data/tagged_corpora.py), stored
  under its content-hash name: words tagged with the file's tags, split by sentence.
Preparation is memoised per name and seed: every model of a comparison gets the same data.
"""

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from core.data.corpora import load_corpus
from core.data.segmentation import segmentation_examples
from core.data.splits import Split
from core.data.tagged_corpora import TAGGED_PREFIX, load_tagged_upload
from core.data.vocabulary import split_by_document
from core.errors import UserFacingError

SEGMENTATION_PREFIX = "segmentation:"
SEGMENTATION_TAGS = ("inside a word", "starts a word")  # tag 1 is the word start


@dataclass(frozen=True)
class LabellingData:
    """Sequences of tokens with a tag per token, the tag names, and the shared split.

    `split` indexes `sequences`; `kind` is "segmentation" (tokens are characters and
    word-boundary F1 applies) or "tagging" (tokens are words).
    """

    name: str
    title: str
    kind: str
    sequences: tuple[tuple[str, ...], ...]
    tags: tuple[np.ndarray, ...]
    tag_names: tuple[str, ...]
    split: Split
    source: str

    def part(self, indices: np.ndarray) -> tuple[list[list[str]], list[np.ndarray]]:
        """(token sequences, tag arrays) of the sequences at `indices`."""
        return [list(self.sequences[i]) for i in indices], [self.tags[i] for i in indices]

    def describe(self) -> dict:
        """What the run store records: the split in sentences, and the kind of labels."""
        return {**self.split.describe(), "kind": self.kind, "tags": list(self.tag_names)}


def _segmentation(corpus_name: str, seed: int) -> LabellingData:
    corpus = load_corpus(corpus_name)
    documents = split_by_document(corpus.documents, seed)
    sequences, tags, parts = [], [], {}
    for part_name in ("train", "validation", "test"):
        start = len(sequences)
        for example in segmentation_examples(
            corpus.documents[index] for index in getattr(documents, part_name)
        ):
            sequences.append(tuple(example.characters))
            tags.append(np.asarray(example.labels, dtype=np.int64))
        parts[part_name] = np.arange(start, len(sequences))
    if not all(len(indices) for indices in parts.values()):
        raise UserFacingError(
            f"{corpus.title} gives too few sentences to train, validate and test a tagger."
        )
    return LabellingData(
        SEGMENTATION_PREFIX + corpus_name,
        f"Word segmentation of {corpus.title}",
        "segmentation",
        tuple(sequences),
        tuple(tags),
        SEGMENTATION_TAGS,
        Split(parts["train"], parts["validation"], parts["test"], seed),
        corpus.source,
    )


def _every_tag_in_training(split: Split, tags: tuple[np.ndarray, ...]) -> Split:
    """The split with each held-out sentence holding a tag that no training sentence has
    moved into training: a tagger cannot learn a tag it never sees, and a rare tag (a
    single "X" in a POS corpus) should not make the whole corpus unusable."""
    seen = set(np.concatenate([tags[index] for index in split.train]).tolist())
    moved = []
    for index in np.concatenate([split.validation, split.test]):
        if not set(tags[index].tolist()) <= seen:
            moved.append(index)
            seen |= set(tags[index].tolist())
    if not moved:
        return split
    return Split(
        np.union1d(split.train, moved),
        np.setdiff1d(split.validation, moved),
        np.setdiff1d(split.test, moved),
        split.seed,
    )


def _tagged_upload(name: str, seed: int) -> LabellingData:
    corpus = load_tagged_upload(name)
    tags = tuple(np.asarray(row, dtype=np.int64) for row in corpus.tags)
    split = _every_tag_in_training(split_by_document(corpus.sentences, seed), tags)
    if not len(split.validation) or not len(split.test):
        raise UserFacingError(
            f"{corpus.title} has too few sentences left for validation and test once every "
            "tag is in the training part; upload more sentences."
        )
    return LabellingData(
        name,
        corpus.title,
        "tagging",
        corpus.sentences,
        tags,
        corpus.tag_names,
        split,
        f"uploaded {corpus.format} file {corpus.title}",
    )


# Bounded: one per corpus and seed, and a hosted app must not keep every visitor's.
@lru_cache(maxsize=4)
def load_labelling_data(name: str, seed: int) -> LabellingData:
    """A segmentation corpus or a stored tagged upload; UserFacingError when unknown."""
    if name.startswith(SEGMENTATION_PREFIX):
        return _segmentation(name.removeprefix(SEGMENTATION_PREFIX), seed)
    if name.startswith(TAGGED_PREFIX):
        return _tagged_upload(name, seed)
    raise UserFacingError(
        f"Unknown labelling dataset {name!r}: use {SEGMENTATION_PREFIX}<corpus> (for example "
        f"{SEGMENTATION_PREFIX}wiki-sample) or an uploaded tagged corpus."
    )
