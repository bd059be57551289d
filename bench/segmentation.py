"""Word segmentation of held-out Wikipedia text: the window baseline beside the recurrent taggers.

The issue asks for a BiLSTM word-boundary F1 of at least 0.95 on held-out text, above the
logistic-regression window tagger; this script measures both, and what the recurrent models
cost for it. Sentences lose their spaces and every character is labelled 1 if it starts a
word; the documents are split 80/10/10 with seed 0 (whole documents on one side), each tagger
trains on the training part with the validation part for its per-epoch history, seed 0, one
after another in this one process, so the time ratios to the baseline compare like with like.

`--split validation` scores the validation part instead: choose settings with it and score the
test part once, so the test F1 is not tuned. Usage:

    .venv/bin/python bench/segmentation.py [--models logreg-window bilstm gru]
        [--split test] [--epochs N --units N --embedding-dim N --layers N --batch-size N
        --learning-rate X --dropout X --lexicon-features on|off --lexicon-min-count N]
        (these override the recurrent taggers' defaults)
"""

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.data.corpora import load_corpus  # noqa: E402
from core.data.segmentation import segmentation_examples, token_accuracy, word_boundary_f1  # noqa: E402
from core.data.vocabulary import split_by_document  # noqa: E402
from core.models.baselines.window_tagger import WindowTagger, WindowTaggerConfig  # noqa: E402
from core.models.recurrent.tagger import RecurrentTagger, RecurrentTaggerConfig  # noqa: E402

RECURRENT_SETTINGS = (
    "epochs",
    "units",
    "embedding_dim",
    "layers",
    "batch_size",
    "learning_rate",
    "dropout",
    "lexicon_features",
    "lexicon_min_count",
)


def on_or_off(text: str) -> bool:
    if text not in ("on", "off"):
        raise argparse.ArgumentTypeError(f"expected on or off, not {text!r}")
    return text == "on"


SETTING_TYPES = {"learning_rate": float, "dropout": float, "lexicon_features": on_or_off}


def tagger(name: str, overrides: dict, seed: int):
    """A fresh tagger for a model name: the window baseline or a recurrent cell."""
    if name == "logreg-window":
        return WindowTagger(WindowTaggerConfig(), random_state=seed)
    cells = {"bilstm": "lstm", "gru": "gru"}
    if name not in cells:
        raise ValueError(f"Unknown model {name!r}; choose logreg-window, bilstm or gru.")
    config = RecurrentTaggerConfig(cell=cells[name], **overrides)
    return RecurrentTagger(config, random_state=seed)


def main(arguments: argparse.Namespace) -> None:
    documents = load_corpus(arguments.corpus).documents
    split = split_by_document(documents, seed=arguments.seed)

    def part(indices) -> tuple[list[str], list[np.ndarray]]:
        examples = segmentation_examples([documents[index] for index in indices])
        return [e.characters for e in examples], [np.array(e.labels) for e in examples]

    train, validation = part(split.train), part(split.validation)
    scored = validation if arguments.split == "validation" else part(split.test)
    overrides = {
        name: getattr(arguments, name)
        for name in RECURRENT_SETTINGS
        if getattr(arguments, name) is not None
    }
    print(
        f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}\n"
        f"# {arguments.corpus}: {len(train[0]):,} training sentences, "
        f"{len(scored[0]):,} {arguments.split} sentences scored; recurrent overrides: "
        f"{overrides or 'none'}\n"
        f"{'model':14} {'boundary F1':>11} {'precision':>9} {'recall':>7} {'token acc':>9} "
        f"{'train s':>8} {'x baseline':>10} {'ms/sentence':>11} {'parameters':>10}"
    )
    baseline_seconds = None
    histories = []
    for name in arguments.models:
        model = tagger(name, overrides, arguments.seed)
        started = time.perf_counter()
        model.fit(*train, validation_data=validation)
        train_seconds = time.perf_counter() - started
        baseline_seconds = baseline_seconds or train_seconds
        started = time.perf_counter()
        predicted = model.predict(scored[0])
        predict_ms = (time.perf_counter() - started) * 1000 / len(scored[0])
        boundaries = word_boundary_f1(scored[1], predicted)
        print(
            f"{name:14} {boundaries.f1:11.4f} {boundaries.precision:9.4f} "
            f"{boundaries.recall:7.4f} {token_accuracy(scored[1], predicted):9.4f} "
            f"{train_seconds:8.1f} {train_seconds / baseline_seconds:10.1f} "
            f"{predict_ms:11.3f} {model.count_params():10,}",
            flush=True,
        )
        if isinstance(model, RecurrentTagger):
            histories.append((name, model))
    for name, model in histories:
        settings = ", ".join(
            f"{setting}={getattr(model.config, setting)}" for setting in RECURRENT_SETTINGS
        )
        epochs = "  ".join(
            f"{record['epoch']}: {record['accuracy']:.4f}/{record['val_accuracy']:.4f} "
            f"({record['seconds']:.0f} s)"
            for record in model.history_
        )
        print(f"# {name} ({settings}) training/validation token accuracy by epoch: {epochs}")


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", default=["logreg-window", "bilstm", "gru"])
    parser.add_argument("--corpus", default="wiki-sample")
    parser.add_argument("--seed", type=int, default=0, help="Split and training seed.")
    parser.add_argument(
        "--split",
        choices=("test", "validation"),
        default="test",
        help="Part scored: validation to choose settings, test to report them once.",
    )
    for name in RECURRENT_SETTINGS:
        parser.add_argument(
            f"--{name.replace('_', '-')}", type=SETTING_TYPES.get(name, int), dest=name
        )
    return parser.parse_args()


if __name__ == "__main__":
    main(parse_arguments())
