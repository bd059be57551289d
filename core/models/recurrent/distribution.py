"""Which `tf.distribute` strategy this process trains Keras models under, and on which devices.

The strategy is chosen once per process (`start`, called by the CLI from `--strategy` and by
the dashboard's training process) rather than by a setting in every model config: it is a
property of the machine and the launch, not of a model's maths, and multi-worker training
needs its strategy created before any other TensorFlow op runs. Models then build and compile
inside `active_strategy().scope()` (see `core.models.recurrent.keras_training.training_scope`).

- default: TensorFlow's single-device strategy (the first GPU, else the CPU).
- mirrored: `MirroredStrategy` over all GPUs, else over all logical CPU devices; refused
  when only one device exists. The CPU can be split into logical devices with
  `$SEQLAB_LOGICAL_CPUS` (read before TensorFlow initialises its devices), which is how the
  tests exercise it on one CPU.
- multi-worker: `MultiWorkerMirroredStrategy` from the standard `$TF_CONFIG`, checked first.
  Every worker runs the same command; each reads its shard of every global batch, gradients are
  all-reduced, and only the chief (`is_chief`) records the run. Keras 3.15's `fit` needs two
  work-arounds under this strategy (core/models/recurrent/keras_training.py `_fit_context`), and a
  stop request must reach every worker at once (`any_worker`).

TensorFlow is imported only inside the functions.
"""

import json
import os

from core.errors import UserFacingError

STRATEGIES = ("default", "mirrored", "multi-worker")
LOGICAL_CPUS_VARIABLE = "SEQLAB_LOGICAL_CPUS"
CLUSTER_VARIABLE = "TF_CONFIG"

_started: dict = {}  # this process's strategy name and object, set once by `start`


def split_cpu(count: int) -> None:
    """Present the first CPU as `count` logical devices; must run before TensorFlow
    initialises its devices (its first op), as TensorFlow cannot re-split them afterwards."""
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    wanted = [tf.config.LogicalDeviceConfiguration() for _ in range(count)]
    try:
        tf.config.set_logical_device_configuration(cpu, wanted)
    except RuntimeError as error:
        if len(tf.config.get_logical_device_configuration(cpu) or [None]) != count:
            raise UserFacingError(
                f"Cannot split the CPU into {count} devices: TensorFlow has already started "
                f"with its devices fixed; set {LOGICAL_CPUS_VARIABLE} before it starts."
            ) from error


def _logical_cpus() -> int:
    value = os.environ.get(LOGICAL_CPUS_VARIABLE, "").strip()
    if not value:
        return 1
    if not value.isdigit() or int(value) < 1:
        raise UserFacingError(
            f"{LOGICAL_CPUS_VARIABLE} must be a whole number >= 1, got {value!r}."
        )
    return int(value)


def local_devices() -> list[str]:
    """The devices a mirrored strategy would use here: every GPU, else every logical CPU
    (after applying `$SEQLAB_LOGICAL_CPUS`)."""
    import tensorflow as tf

    if _logical_cpus() > 1:
        split_cpu(_logical_cpus())
    devices = tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices("CPU")
    return [device.name for device in devices]


def cluster() -> dict:
    """`$TF_CONFIG` checked: {"cluster": {"worker": ["host:port", ...]}, "task": {"type":
    "worker", "index": i}}; a UserFacingError says what is missing."""
    text = os.environ.get(CLUSTER_VARIABLE, "").strip()
    example = (
        '{"cluster": {"worker": ["localhost:12345", "localhost:12346"]}, '
        '"task": {"type": "worker", "index": 0}}'
    )
    if not text:
        raise UserFacingError(
            f"--strategy multi-worker needs {CLUSTER_VARIABLE} describing the cluster and this "
            f"worker, e.g. {example}"
        )
    try:
        config = json.loads(text)
        jobs, task = config["cluster"], config["task"]
        tasks = jobs[task["type"]]
        if not isinstance(tasks, list) or not 0 <= int(task["index"]) < len(tasks):
            raise ValueError(f"task index {task['index']} is not in {task['type']} {tasks}")
    except (ValueError, KeyError, TypeError) as error:
        reason = f"no {error} entry" if isinstance(error, KeyError) else str(error)
        raise UserFacingError(
            f"{CLUSTER_VARIABLE} is not a valid cluster description ({reason}); expected e.g. "
            f"{example}"
        ) from error
    return config


def strategy_for(name: str):
    """Build the named strategy; a UserFacingError when this machine or `$TF_CONFIG` cannot
    support it."""
    if name not in STRATEGIES:
        raise UserFacingError(f"Unknown strategy {name!r}; choose one of {', '.join(STRATEGIES)}.")
    import tensorflow as tf

    if name == "multi-worker":
        cluster()
        return tf.distribute.MultiWorkerMirroredStrategy()  # reads $TF_CONFIG itself
    devices = local_devices()
    if name == "default":
        return tf.distribute.get_strategy()
    if len(devices) < 2:
        raise UserFacingError(
            f"--strategy mirrored needs more than one device, and only {devices[0]} exists; "
            f"set {LOGICAL_CPUS_VARIABLE}=2 to split the CPU (slower, for testing)."
        )
    return tf.distribute.MirroredStrategy(devices=devices)


def start(name: str) -> None:
    """Choose this process's strategy; call once, before any other TensorFlow work."""
    _started.update(name=name, strategy=strategy_for(name))


def active_strategy():
    """The strategy `start` chose, else TensorFlow's default one."""
    import tensorflow as tf

    return _started.get("strategy") or tf.distribute.get_strategy()


def strategy_name() -> str:
    """The name of the strategy `start` chose: "default" when none was."""
    return _started.get("name", "default")


def multi_worker() -> bool:
    """Whether this process is one worker of a multi-worker cluster."""
    return strategy_name() == "multi-worker"


def is_chief() -> bool:
    """Whether this process records runs: always, except for the non-chief workers of a
    cluster (the chief is task "chief", else worker 0, as in TensorFlow's convention)."""
    if not multi_worker():
        return True
    config = cluster()
    task = config["task"]
    if "chief" in config["cluster"]:
        return task["type"] == "chief"
    return task["type"] == "worker" and int(task["index"]) == 0


def any_worker(wanted: bool) -> bool:
    """True when this or any other worker wants it (a stop request): under multi-worker,
    workers must leave `fit` at the same step, or the others wait forever for their
    all-reduce; elsewhere it is `wanted` itself."""
    if not multi_worker():
        return wanted
    import tensorflow as tf

    if "vote" not in _started:  # one traced function: eager collectives are slow
        strategy = active_strategy()

        @tf.function
        def vote(wanted):
            votes = strategy.run(lambda: tf.identity(wanted))
            return strategy.reduce("SUM", votes, axis=None)

        _started["vote"] = vote
    return bool(_started["vote"](tf.constant(1.0 if wanted else 0.0)).numpy() > 0)


def devices_used() -> list[str]:
    """The devices the active strategy trains on, e.g. ["/device:CPU:0", "/device:CPU:1"];
    a cluster's worker names its own, e.g. "/job:worker/replica:0/task:1/device:CPU:0"."""
    if strategy_name() == "default":
        return local_devices()[:1]
    return [
        device.removeprefix("/job:localhost/replica:0/task:0")
        for device in active_strategy().extended.worker_devices
    ]


def placement() -> dict:
    """What a run records about where it trained: {"strategy": name, "devices": [...]}, plus
    under multi-worker the cluster's worker addresses as "workers"."""
    recorded = {"strategy": strategy_name(), "devices": devices_used()}
    if multi_worker():
        jobs = cluster()["cluster"]
        recorded["workers"] = [address for addresses in jobs.values() for address in addresses]
    return recorded


def placement_text(split: dict) -> str:
    """A run's devices as a table cell, e.g. "mirrored: CPU:0, CPU:1"; "" when not recorded."""
    if "devices" not in split:
        return ""
    if "workers" in split:
        return (
            f"{split['strategy']}: {len(split['workers'])} workers ({', '.join(split['workers'])})"
        )
    shown = [device.removeprefix("/device:") for device in split["devices"]]
    return f"{split['strategy']}: {', '.join(shown)}"
