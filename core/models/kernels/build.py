"""Builds and loads seqlab's compiled TensorFlow ops (core/models/kernels/*.cc) for this machine.

The LSTM kernels (core/models/kernels/lstm_kernels.cc) are compiled with g++ against the installed
TensorFlow's headers, for this CPU (-march=native), once: `make run` and `make test` call
`python -m core.models.kernels.build`. The library's name carries a digest of its source, the
TensorFlow version, the compiler flags and this CPU's instruction set, so an edited source, an
upgraded TensorFlow or a checkout moved to another kind of CPU finds no library and builds a
new one, instead of loading one that no longer fits. Nothing is compiled while the app or a
training runs: where no library was built (no compiler, not Linux, `SEQLAB_NATIVE_KERNELS=0`)
`native_lstm_ops()` is None and FastLSTM steps the same maths in TensorFlow's own ops
(core/models/recurrent/lstm_recurrence.py). TensorFlow is imported only to build or load.
"""

import hashlib
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from functools import cache
from pathlib import Path

from core.paths import REPO_ROOT

SOURCE = Path(__file__).with_name("lstm_kernels.cc")
BUILD_DIR = REPO_ROOT / "build" / "native"
# Eigen's half-precision AVX-512 code does not compile with g++ 12; seqlab computes in float32.
OPTIMISATION_FLAGS = ["-O3", "-march=native", "-mno-avx512fp16", "-DNDEBUG"]
QUIET_FLAGS = ["-Wno-deprecated-declarations", "-Wno-interference-size"]


class NativeBuildError(RuntimeError):
    """The kernels could not be compiled here; the message says why."""


def _cpu_features() -> str:
    """This CPU's instruction-set flags, which -march=native compiles for."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return line
    except OSError:
        pass
    return platform.processor()


def _tensorflow_flags() -> tuple[list[str], list[str]]:
    import tensorflow as tf

    return tf.sysconfig.get_compile_flags(), tf.sysconfig.get_link_flags()


def library_path() -> Path:
    """Where the library for this source, TensorFlow, compiler flags and CPU lives."""
    import tensorflow as tf

    digest = hashlib.sha256()
    for part in (SOURCE.read_bytes(), tf.__version__.encode(), _cpu_features().encode()):
        digest.update(part)
    digest.update(" ".join(OPTIMISATION_FLAGS + _tensorflow_flags()[0]).encode())
    return BUILD_DIR / f"lstm_kernels-{digest.hexdigest()[:16]}.so"


def build_native_kernels() -> Path:
    """Compiles the kernels unless this machine's library exists; returns its path.

    Raises NativeBuildError when there is no compiler or the compiler fails."""
    if sys.platform != "linux":
        raise NativeBuildError(f"the compiled kernels are built on Linux only, not {sys.platform}")
    target = library_path()
    if target.exists():
        _remove_stale_libraries(target)
        return target
    compiler = os.environ.get("CXX", "g++")
    if shutil.which(compiler) is None:
        raise NativeBuildError(f"no C++ compiler: {compiler!r} is not on the PATH")
    compile_flags, link_flags = _tensorflow_flags()
    target.parent.mkdir(parents=True, exist_ok=True)
    # Compiled beside the target and renamed into place: a build cut short leaves nothing
    # that could be loaded half-written.
    with tempfile.TemporaryDirectory(dir=target.parent) as folder:
        partial = Path(folder) / target.name
        command = [compiler, *compile_flags, *OPTIMISATION_FLAGS, *QUIET_FLAGS, "-fPIC"]
        command += ["-shared", str(SOURCE), "-o", str(partial), *link_flags]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            raise NativeBuildError(f"{compiler} failed:\n{result.stderr[-4000:]}")
        os.replace(partial, target)
    _remove_stale_libraries(target)
    return target


def _remove_stale_libraries(current: Path) -> None:
    """Libraries of earlier sources, TensorFlows or CPUs are never loaded again. A process that
    still maps one keeps its copy: removing a file does not unmap it."""
    for stale in current.parent.glob("lstm_kernels-*.so"):
        if stale != current:
            stale.unlink(missing_ok=True)


@cache
def native_lstm_ops():
    """The loaded ops module (seqlab_lstm_forward, seqlab_lstm_backward), or None where this
    machine's library was not built, did not load (said in one line on stderr), or
    `SEQLAB_NATIVE_KERNELS=0` turns it off."""
    if os.environ.get("SEQLAB_NATIVE_KERNELS", "1") == "0" or sys.platform != "linux":
        return None
    path = library_path()
    if not path.exists():
        return None
    import tensorflow as tf

    try:
        return tf.load_op_library(str(path))
    except (tf.errors.OpError, OSError) as error:
        # A library built against another TensorFlow or glibc, or a truncated file: run on
        # TensorFlow's ops rather than fail every training.
        print(
            f"seqlab: compiled LSTM kernels {path.name} did not load, FastLSTM uses "
            f"TensorFlow's ops: {error}",
            file=sys.stderr,
        )
        return None


def main() -> int:
    """Builds the kernels; exits 0 when they cannot be built (seqlab then runs without them)
    unless `--require` is given."""
    try:
        path = build_native_kernels()
    except NativeBuildError as error:
        print(f"compiled LSTM kernels not built, FastLSTM uses TensorFlow's ops: {error}")
        return 1 if "--require" in sys.argv else 0
    print(f"compiled LSTM kernels: {path.relative_to(BUILD_DIR.parent.parent)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
