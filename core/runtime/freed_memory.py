"""Hand memory a finished piece of work freed back to the system.

CPython and NumPy free through glibc's malloc, which keeps freed memory in its arenas (one per
thread that allocated) for reuse instead of returning it, so a long-lived process grows by
every training it ran. A hosted app has about 1 GB in all (README, hosted mode): after a job,
the model worker calls this; so does the app after its reference runs.
"""

import ctypes
import gc


def release_freed_memory() -> None:
    """Collect garbage, then `malloc_trim(0)`: glibc returns its free pages to the system.

    It shrank the model worker after each training of bench/app_session.py (bench/README.md,
    Figures formerly in code comments).
    Where the C library is not glibc, only the garbage is collected.
    """
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
