"""Word segmentation as sequence labelling, and the metrics of any tagging task.

The task: take a sentence, remove its spaces, and label every character 1 if it starts a word
and 0 if it does not; a model learns to put the spaces back. Any corpus text becomes examples
(`segmentation_examples`), and `words_from_labels` turns labels back into spaced text.
Tagging metrics take a list of tag sequences of varying length, as a masked model sees them.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

MAX_CHARS = 100  # characters per example; a Lee sentence has 105 (median) without spaces

# A sentence ends at . ! or ? (closing quotes and brackets may follow) before white space, or at
# a line break. Abbreviations such as "Mr." end a sentence too: that only shortens examples.
SENTENCE_END = re.compile(r"[.!?]+[\"')\]\u201d\u2019]*\s+|\s*\n\s*")
# Runs of letters or digits, joined by single apostrophes inside a word ("don't", "o'neill").
WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
CURLY_APOSTROPHE = str.maketrans({"\u2019": "'", "\u2018": "'"})


class SegmentationExample(NamedTuple):
    """A sentence without spaces and, per character, 1 if it starts a word, else 0."""

    characters: str
    labels: tuple[int, ...]


def sentence_words(sentence: str) -> list[str]:
    """Lower-cased words of letters, digits and inner apostrophes; anything else separates words.

    So "well-known" becomes two words, "4:00pm" becomes "4" and "00pm", and quotes around a
    word are dropped while the apostrophe in "don't" stays. Accented letters are letters.
    """
    return WORD.findall(sentence.translate(CURLY_APOSTROPHE).lower())


def characters_and_labels(words: Sequence[str]) -> SegmentationExample:
    """The words run together, with 1 on the first character of each word."""
    labels = tuple(int(position == 0) for word in words for position in range(len(word)))
    return SegmentationExample("".join(words), labels)


def words_from_labels(characters: str, labels: Sequence[int]) -> str:
    """Spaced text from characters and word-start labels: ("thecat", 100100) -> "the cat".

    Labels may run longer than the characters (a padded prediction); the tail is ignored. The
    first character starts a word whatever its label says.
    """
    if len(labels) < len(characters):
        raise ValueError(
            f"Need a label per character; got {len(labels)} labels for {len(characters)} "
            "characters."
        )
    pieces = []
    for position, character in enumerate(characters):
        if position > 0 and labels[position]:
            pieces.append(" ")
        pieces.append(character)
    return "".join(pieces)


def _chunks(words: list[str], max_chars: int) -> Iterable[list[str]]:
    """Consecutive runs of whole words of at most max_chars characters in all."""
    chunk, length = [], 0
    for word in words:
        if len(word) > max_chars:  # fits no example: end the chunk and leave the word out
            yield chunk
            chunk, length = [], 0
        elif length + len(word) > max_chars:
            yield chunk
            chunk, length = [word], len(word)
        else:
            chunk.append(word)
            length += len(word)
    yield chunk


def segmentation_examples(
    documents: Iterable[str], max_chars: int = MAX_CHARS
) -> list[SegmentationExample]:
    """Every sentence of every document as a word-segmentation example, in corpus order.

    Sentences are split at . ! ? or line breaks and normalised by `sentence_words`. One longer
    than `max_chars` characters (spaces removed) is cut into consecutive chunks of whole words,
    so batches stay small and every example starts with a word; a single word longer than
    `max_chars` is left out. Sentences with no words give no example.
    """
    if max_chars < 1:
        raise ValueError(f"max_chars must be at least 1; got {max_chars}.")
    examples = []
    for document in documents:
        for sentence in SENTENCE_END.split(document):
            for chunk in _chunks(sentence_words(sentence), max_chars):
                if chunk:
                    examples.append(characters_and_labels(chunk))
    return examples


def _aligned(true_tags: Sequence[Sequence], predicted_tags: Sequence[Sequence], padding):
    """Each sequence's true and predicted tags as arrays, padding and prediction tails dropped.

    A predicted row may be longer than its true sequence (a padded batch); only the true
    sequence's length is compared. Positions whose true tag equals `padding` are dropped too,
    so padded true arrays work as well.
    """
    if len(true_tags) != len(predicted_tags):
        raise ValueError(
            f"Need one predicted sequence per true sequence; got {len(predicted_tags)} for "
            f"{len(true_tags)}."
        )
    pairs = []
    for truth, prediction in zip(true_tags, predicted_tags, strict=True):
        truth, prediction = np.asarray(truth), np.asarray(prediction)
        if len(prediction) < len(truth):
            raise ValueError(
                f"A predicted sequence is shorter than its true one ({len(prediction)} tags for "
                f"{len(truth)})."
            )
        prediction = prediction[: len(truth)]
        if padding is not None:
            keep = truth != padding
            truth, prediction = truth[keep], prediction[keep]
        pairs.append((truth, prediction))
    return pairs


def _flattened(true_tags, predicted_tags, padding) -> tuple[np.ndarray, np.ndarray]:
    pairs = _aligned(true_tags, predicted_tags, padding)
    if sum(len(truth) for truth, _ in pairs) == 0:
        raise ValueError("Tagging metrics need at least one tagged token.")
    return np.concatenate([t for t, _ in pairs]), np.concatenate([p for _, p in pairs])


def token_accuracy(true_tags, predicted_tags, padding=None) -> float:
    """Share of tokens, over all sequences, whose predicted tag is the true one."""
    truth, prediction = _flattened(true_tags, predicted_tags, padding)
    return float(np.mean(truth == prediction))


def per_tag_f1(true_tags, predicted_tags, padding=None) -> dict:
    """F1 of each tag that is true or predicted somewhere, treating tokens as independent."""
    truth, prediction = _flattened(true_tags, predicted_tags, padding)
    scores = {}
    for tag in np.union1d(truth, prediction):
        true_positive = np.sum((truth == tag) & (prediction == tag))
        wrong = np.sum((truth == tag) != (prediction == tag))  # false positives + negatives
        scores[tag.item()] = float(2 * true_positive / (2 * true_positive + wrong))
    return scores


@dataclass(frozen=True)
class BoundaryScores:
    """Precision, recall and F1 of predicted word starts, with the counts behind them."""

    precision: float
    recall: float
    f1: float
    true_boundaries: int
    predicted_boundaries: int
    correct_boundaries: int


def word_boundary_f1(true_labels, predicted_labels, padding=None) -> BoundaryScores:
    """How well predicted word starts (label 1) match the true ones, over all sequences.

    The first character of every sequence is left out: it always starts a word, so counting it
    would reward every model for free. With nothing predicted precision is 1, with nothing to
    find recall is 1 (a one-word sentence segmented as one word is perfect).
    """
    pairs = _aligned(true_labels, predicted_labels, padding)
    if not pairs:
        raise ValueError("Word-boundary F1 needs at least one labelled sequence.")
    true_count = predicted_count = correct = 0
    for truth, prediction in pairs:
        truth, prediction = truth[1:] == 1, prediction[1:] == 1
        true_count += int(truth.sum())
        predicted_count += int(prediction.sum())
        correct += int((truth & prediction).sum())
    precision = correct / predicted_count if predicted_count else 1.0
    recall = correct / true_count if true_count else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return BoundaryScores(precision, recall, f1, true_count, predicted_count, correct)
