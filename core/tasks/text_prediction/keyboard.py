"""What a predictive keyboard asks of any trained text-prediction model: suggestions, continuations.

Word models (n-gram, word LSTM) rank the words of their vocabulary after the typed context;
the character LSTM spells its suggestions out by beam search. Both answer the same two
questions here, so a page can show every model side by side:
- `suggest(model, text, k)`: the k likeliest words to type next, or the completions of the
  word being typed when the text does not end in a space or punctuation;
- `continue_text(model, prompt, ...)`: a sampled continuation at a temperature and top-k.
Suggestions are real words only: never `<unk>`, `<s>` or `</s>`. Both take a loaded model;
in hosted mode the dashboard hands them to the model worker with the network
(RemoteModel.apply).
"""

import time
from dataclasses import dataclass

import numpy as np

from core.data.vocabulary import SENTENCE_END, SPECIAL_TOKENS, split_typed_text, word_tokens
from core.models.language_models import LanguageModel
from core.tasks.text_prediction.evaluation import CONTEXT_TOKENS

CHARACTERS_PER_WORD = 6  # a character model's continuation of n words writes about 6n characters


@dataclass(frozen=True)
class Suggestions:
    """The words offered, with the model's probability for each, best first.

    `prefix` is the half-typed word they complete ("" when suggesting the next word);
    `milliseconds` is how long the model took.
    """

    prefix: str
    words: tuple[str, ...]
    probabilities: tuple[float, ...]
    milliseconds: float


def _word_model_suggestions(model: LanguageModel, context: list[str], prefix: str, k: int):
    vocabulary = model.vocabulary_
    allowed = (
        vocabulary.ids_with_prefix(prefix)
        if prefix
        else np.arange(len(SPECIAL_TOKENS), len(vocabulary))
    )
    if len(allowed) == 0:
        return [], []
    ids, probabilities = model.top_k(
        vocabulary.encode(context[-CONTEXT_TOKENS:]), k, allowed_ids=allowed
    )
    return vocabulary.decode(ids), probabilities.tolist()


def suggest(model, text: str, k: int = 3) -> Suggestions:
    """The model's k best next words (or completions of the word being typed) after `text`."""
    started = time.perf_counter()
    context, prefix = split_typed_text(text)
    if isinstance(model, LanguageModel):
        words, probabilities = _word_model_suggestions(model, context, prefix, k)
    else:
        context_text = " ".join("\n" if token == SENTENCE_END else token for token in context)
        pairs = model.complete_word(context_text, prefix, k)
        words, probabilities = [word for word, _ in pairs], [p for _, p in pairs]
    elapsed = 1000 * (time.perf_counter() - started)
    return Suggestions(prefix, tuple(words), tuple(float(p) for p in probabilities), elapsed)


def _readable(tokens: list[str]) -> str:
    """Generated word tokens as text: sentence ends become full stops."""
    text = ""
    for token in tokens:
        if token == SENTENCE_END:
            text = text.rstrip() + ". "
        else:
            text += token + " "
    return text.strip()


def continue_text(
    model, prompt: str, words: int, temperature: float, top_k: int | None, seed: int = 0
) -> str:
    """About `words` words sampled after `prompt` (the same seed gives the same text).

    The character model writes CHARACTERS_PER_WORD characters per word asked for.
    """
    if isinstance(model, LanguageModel):
        ids = model.vocabulary_.encode(word_tokens(prompt)[-CONTEXT_TOKENS:])
        generated = model.generate(ids, words, temperature=temperature, top_k=top_k, seed=seed)
        return _readable(model.vocabulary_.decode(generated))
    text = model.generate_text(
        prompt, words * CHARACTERS_PER_WORD, temperature=temperature, top_k=top_k, seed=seed
    )
    return text.replace("\n", ". ").strip()
