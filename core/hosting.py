"""Hosted mode: limits for a public deployment such as Streamlit Community Cloud.

`SEQLAB_HOSTED=1` turns it on; the dashboard turns it on unless SEQLAB_HOSTED is set (`adopt`),
while the CLI is local unless asked. Each visitor's runs and uploads then belong to their browser
session, and these caps hold (each its own environment variable, with a default that fits the
platform's guaranteed 1 GB): upload size in megabytes, rows of an uploaded table, epochs of a
neural model, sequences per pass of a model that can split its batches (the taggers), and
trainings at once in one app process. Baselines keep their epochs (rounds of L-BFGS
iterations, cheap next to a network's): capping them would leave a baseline short of
convergence and the comparison unfair. Outside hosted mode nothing here applies.

The settings are read from the environment, which every training child process inherits; the
dashboard first copies any set in `.streamlit/secrets.toml` into it (`adopt`). Core never
reads Streamlit's secrets itself.
"""

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core.errors import InvalidConfig, UserFacingError

HOSTED = "SEQLAB_HOSTED"
MAX_UPLOAD_MB = "SEQLAB_MAX_UPLOAD_MB"
MAX_ROWS = "SEQLAB_MAX_ROWS"
MAX_EPOCHS = "SEQLAB_MAX_EPOCHS"
MAX_BATCH = "SEQLAB_MAX_BATCH"
MAX_TRAININGS = "SEQLAB_MAX_TRAININGS"
JOB_SECONDS = "SEQLAB_JOB_SECONDS"
MEMORY_MB = "SEQLAB_MEMORY_MB"
VISITOR_DISK_MB = "SEQLAB_VISITOR_DISK_MB"
DISK_MB = "SEQLAB_DISK_MB"
KEEP_DAYS = "SEQLAB_KEEP_DAYS"
SECRET = "SEQLAB_SECRET"
CAPS = (  # the numeric settings, each with a default that fits the platform's 1 GB
    MAX_UPLOAD_MB,
    MAX_ROWS,
    MAX_EPOCHS,
    MAX_BATCH,
    MAX_TRAININGS,
    JOB_SECONDS,
    MEMORY_MB,
    VISITOR_DISK_MB,
    DISK_MB,
    KEEP_DAYS,
)
SETTINGS = (HOSTED, *CAPS, SECRET)


@dataclass(frozen=True)
class HostingSettings:
    hosted: bool = False
    max_upload_mb: float = 5.0  # a 5 MB CSV is about 50,000 short texts
    max_rows: int = 20_000
    max_epochs: int = 10  # a quarter of the recurrent classifiers' default of 40
    # Sequences per forward and backward pass of a model with `batch_passes` (the taggers):
    # a larger batch runs in passes of at most this many, their gradients summed into the
    # same update. The tagger's default batch of 128 gave the model worker its highest memory
    # peak, well above every other model's; passes of 32 take most of that excess off
    # (bench/README.md, app_session.py, "The tagger in passes").
    max_batch: int = 32
    # All TensorFlow work runs in the one model worker (core/runtime/model_worker.py): its trainings
    # run side by side and their memory adds up, so one at a time is what fits in 1 GB.
    max_trainings: int = 1
    # A job's deadline: a job still running after this many seconds is stopped (and, if it
    # does not stop within a grace period, its worker is ended); its partial result is kept.
    job_seconds: float = 600.0
    # The memory watchdog: the anonymous memory of the app and its model worker together,
    # above which the worker's jobs are stopped with a message. In a 1 GiB container the
    # kernel killed the worker, and once the app, when the two reached about 1,000 MiB
    # (bench/README.md, "Hosted load test in 1 GiB"): the app holds 280-330 MB with a few
    # visitors, the worker about 400 MB idle with TensorFlow loaded.
    memory_mb: float = 940.0
    # Disk: what one visitor's uploads and run files may take, what the data folder may
    # take in all (the retention sweep removes the oldest beyond it), and how long a
    # visitor's runs and uploads are kept.
    visitor_disk_mb: float = 50.0
    disk_mb: float = 2000.0
    keep_days: float = 7.0
    # The key that signs visitor ids (HMAC); empty: one is made and kept in the data folder.
    secret: str = dataclasses.field(default="", repr=False)


def _number(values: Mapping[str, str], name: str, kind: type, default: Any) -> Any:
    text = values.get(name)
    if text is None or str(text).strip() == "":
        return default
    try:
        number = kind(str(text).strip())
    except ValueError:
        raise UserFacingError(f"{name} must be a number; got {text!r}.") from None
    if number <= 0:
        raise UserFacingError(f"{name} must be above 0; got {text!r}.")
    return number


def hosting_settings(values: Mapping[str, str] | None = None) -> HostingSettings:
    """The settings in `values` (the environment by default); defaults for those not set.
    The caps are read only in hosted mode: outside it they do not apply."""
    values = os.environ if values is None else values
    defaults = HostingSettings()
    if str(values.get(HOSTED, "")).strip().lower() not in {"1", "true", "yes", "on"}:
        return defaults
    return HostingSettings(
        hosted=True,
        max_upload_mb=_number(values, MAX_UPLOAD_MB, float, defaults.max_upload_mb),
        max_rows=_number(values, MAX_ROWS, int, defaults.max_rows),
        max_epochs=_number(values, MAX_EPOCHS, int, defaults.max_epochs),
        max_batch=_number(values, MAX_BATCH, int, defaults.max_batch),
        max_trainings=_number(values, MAX_TRAININGS, int, defaults.max_trainings),
        job_seconds=_number(values, JOB_SECONDS, float, defaults.job_seconds),
        memory_mb=_number(values, MEMORY_MB, float, defaults.memory_mb),
        visitor_disk_mb=_number(values, VISITOR_DISK_MB, float, defaults.visitor_disk_mb),
        disk_mb=_number(values, DISK_MB, float, defaults.disk_mb),
        keep_days=_number(values, KEEP_DAYS, float, defaults.keep_days),
        secret=str(values.get(SECRET, "")),
    )


def adopt(values: Mapping[str, Any]) -> None:
    """Put the hosting settings found in `values` (the app's secrets) into the environment;
    an app that neither sets SEQLAB_HOSTED is hosted.

    TOML gives booleans and numbers; the environment holds text ("1" for true), and training
    processes started afterwards inherit it. A hosting platform starts the app with a bare
    `streamlit run dashboard/app.py`: a deployment that forgets the setting must not share
    every visitor's runs with every other, so local mode is what has to be asked for
    (`make run` sets SEQLAB_HOSTED=0).
    """
    for name in SETTINGS:
        if name in values:
            value = values[name]
            os.environ[name] = ("1" if value else "0") if isinstance(value, bool) else str(value)
    if not os.environ.get(HOSTED, "").strip():
        os.environ[HOSTED] = "1"


def _capped(spec: Any, settings: HostingSettings) -> bool:
    return settings.hosted and spec.family == "neural"


def _sequences_per_pass(config: Any) -> int:
    return -(-config.batch_size // config.batch_passes)


def _passes_within_cap(config: Any, max_batch: int) -> Any:
    """`config` with its batches run in enough passes to hold at most `max_batch` sequences
    at a time (core/models/recurrent/batch_passes.py): the same updates, with less memory."""
    passes = max(config.batch_passes, -(-config.batch_size // max_batch))
    return dataclasses.replace(config, batch_passes=passes)


def capped_defaults(spec: Any, settings: HostingSettings | None = None) -> Any:
    """A model's (core.models.registry.ModelSpec's) default config, with a neural model's epochs
    lowered to the hosted cap and its batches run in passes within the batch cap, so a form
    opens on settings that may be trained here."""
    settings = settings or hosting_settings()
    config = spec.default_config()
    if not _capped(spec, settings):
        return config
    epochs = getattr(config, "epochs", None)
    if epochs is not None and epochs > settings.max_epochs:
        config = dataclasses.replace(config, epochs=settings.max_epochs)
    if hasattr(config, "batch_passes"):
        config = _passes_within_cap(config, settings.max_batch)
    return config


def check_within_caps(spec: Any, config: Any, settings: HostingSettings | None = None) -> None:
    """Raise InvalidConfig when hosted mode caps a setting of the model `spec` that `config`
    exceeds."""
    settings = settings or hosting_settings()
    if not _capped(spec, settings):
        return
    epochs = getattr(config, "epochs", None)
    if epochs is not None and epochs > settings.max_epochs:
        raise InvalidConfig(
            f"epochs must be at most {settings.max_epochs} on this shared server "
            f"(hosted mode); got {epochs}."
        )
    if hasattr(config, "batch_passes") and _sequences_per_pass(config) > settings.max_batch:
        raise InvalidConfig(
            f"On this shared server (hosted mode) a batch is run at most {settings.max_batch} "
            f"sequences at a time, to keep training within its memory: batch_size "
            f"{config.batch_size} needs batch_passes of at least "
            f"{_passes_within_cap(config, settings.max_batch).batch_passes}; got "
            f"{config.batch_passes}."
        )
