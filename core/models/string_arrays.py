"""Lists of strings as two plain arrays (UTF-8 bytes and offsets), for np.savez without pickle.

NumPy's fixed-width str arrays pad every item to the longest one: one 100,000-character
text among ten thousand short ones would take gigabytes. Packed bytes take what they hold.
"""

import numpy as np


def pack_strings(strings) -> tuple[np.ndarray, np.ndarray]:
    """(bytes as uint8, end offsets as int64) for a sequence of str."""
    encoded = [text.encode("utf-8") for text in strings]
    offsets = np.cumsum([len(item) for item in encoded], dtype=np.int64)
    return np.frombuffer(b"".join(encoded), dtype=np.uint8), offsets


def unpack_strings(blob: np.ndarray, offsets: np.ndarray) -> list[str]:
    """The strings `pack_strings` packed, in order."""
    data = blob.tobytes()
    starts = np.concatenate([[0], offsets[:-1]]).tolist()
    return [
        data[start:end].decode("utf-8") for start, end in zip(starts, offsets.tolist(), strict=True)
    ]
