"""What a labelled text dataset looks like before training: class balance and text lengths."""

import numpy as np
import pandas as pd


def class_length_table(texts: np.ndarray, labels: np.ndarray, class_names) -> pd.DataFrame:
    """One row per class (and one for all): texts, share, and words per text."""
    words = np.array([len(text.split()) for text in texts])
    rows = []
    groups = [(name, labels == index) for index, name in enumerate(class_names)]
    for name, members in [*groups, ("all", np.ones(len(texts), dtype=bool))]:
        counts = words[members]
        rows.append(
            {
                "class": name,
                "texts": int(members.sum()),
                "share": float(members.mean()),
                "mean words": float(counts.mean()) if counts.size else float("nan"),
                "median words": float(np.median(counts)) if counts.size else float("nan"),
                "95th percentile": float(np.percentile(counts, 95))
                if counts.size
                else float("nan"),
                "longest": int(counts.max()) if counts.size else 0,
            }
        )
    return pd.DataFrame(rows)
