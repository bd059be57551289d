"""Milliseconds per keystroke for the predictive keyboard: every text-prediction model at once.

The Predictive text page asks each trained model for its top 3 next words (or completions of the
word being typed) after every keystroke. This script trains each model once on the corpus (default
configs, except a single epoch: how long a model trained does not change how long it takes to
answer), then types the start of a test document one character at a time and times
`core.tasks.text_prediction.keyboard.suggest` for every model, as the page calls it. It prints p50,
p95 and the worst keystroke per model and for all models together, against the 50 ms budget. Usage:

    .venv/bin/python bench/keystroke_latency.py [--corpus wiki-sample] [--characters 400]
"""

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.models.registry import models_for  # noqa: E402
from core.runs.store import RunStore  # noqa: E402
from core.tasks.registry import train  # noqa: E402
from core.tasks.text_prediction.keyboard import suggest  # noqa: E402
from core.tasks.text_prediction.training import prepare_corpus  # noqa: E402

BUDGET_MS = 50.0
TASK = "text-prediction"


def typed_prefixes(corpus: str, characters: int) -> list[str]:
    """What the text box holds after each keystroke while typing a held-out document."""
    prepared = prepare_corpus(corpus, seed=0)
    document = " ".join(prepared.tokens[prepared.split.test[0]]).replace(" </s>", ".")
    return [document[: length + 1] for length in range(min(characters, len(document)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", default="wiki-sample")
    parser.add_argument("--characters", type=int, default=400, help="keystrokes typed")
    arguments = parser.parse_args()
    print(
        f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, corpus {arguments.corpus}"
    )
    models = {}
    with tempfile.TemporaryDirectory() as folder:
        store = RunStore(Path(folder) / "runs.sqlite3")
        for spec in models_for(TASK):
            config = spec.config_with(
                {"epochs": "1"} if hasattr(spec.default_config(), "epochs") else {}
            )
            started = time.perf_counter()
            result = train(TASK, arguments.corpus, spec.name, store=store, config=config)
            models[spec.name] = result.model
            print(f"# trained {spec.name} in {time.perf_counter() - started:.0f} s", flush=True)
    prefixes = typed_prefixes(arguments.corpus, arguments.characters)
    for model in models.values():  # the first call of a Keras model traces it: not a keystroke
        suggest(model, prefixes[0])
    timings = {name: [] for name in models}
    totals = []
    for text in prefixes:
        total = 0.0
        for name, model in models.items():
            started = time.perf_counter()
            suggest(model, text)
            elapsed = 1000 * (time.perf_counter() - started)
            timings[name].append(elapsed)
            total += elapsed
        totals.append(total)
    print(f"\n{len(prefixes)} keystrokes\n{'model':12} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for name, values in [*timings.items(), ("all models", totals)]:
        p50, p95 = np.percentile(values, [50, 95])
        print(f"{name:12} {p50:8.1f} {p95:8.1f} {max(values):8.1f}")
    p95_total = float(np.percentile(totals, 95))
    print(
        f"\nall models together: p95 {p95_total:.1f} ms = {p95_total / BUDGET_MS:.2f}x the "
        f"{BUDGET_MS:.0f} ms budget; {np.mean(np.array(totals) <= BUDGET_MS):.1%} of keystrokes "
        "within it"
    )


if __name__ == "__main__":
    main()
