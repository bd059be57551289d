"""Every per-process cache of loaded data, and one call that empties them all.

Datasets, corpora, reply pairs and tagged corpora are memoised so a page does not reload them
on every rerun. The model worker (core/model_worker.py) empties them after each job: a job
loads its data once, and a worker shared by every visitor should not keep the last eight
visitors' datasets while it waits for the next job.
"""

from core.corpora import load_corpus
from core.datasets import load_dataset
from core.labelling_data import load_labelling_data
from core.lm_training import prepare_corpus
from core.reply_data import load_reply_data

DATA_CACHES = (load_dataset, load_corpus, prepare_corpus, load_reply_data, load_labelling_data)


def clear_data_caches() -> None:
    for cached in DATA_CACHES:
        cached.cache_clear()
