"""Model files and their checksums: recorded when a run finishes, checked before a load.

The store keeps only a reference to each file and its sha256; the file lives in the artifacts
folder, which several app replicas may share. A file that changed since its run finished (a
partial copy, an overwrite by another deployment) is refused rather than loaded.
"""

from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import UserFacingError
from core.files import sha256_of

if TYPE_CHECKING:
    from core.runs.store import RunRecord


class ArtifactChanged(UserFacingError):
    """A run's model file is missing, or is not the file recorded when the run finished."""


def verified_artifact(run: "RunRecord") -> Path:
    """The run's model file, once its checksum matches the stored one.

    Runs recorded before checksums were kept (store version 2) have none to compare with.
    """
    path = Path(run.artifact_path)
    if not path.is_file():
        raise ArtifactChanged(f"Run {run.id}'s model file {path} is missing.")
    if run.artifact_sha256 is not None and sha256_of(path) != run.artifact_sha256:
        raise ArtifactChanged(
            f"Run {run.id}'s model file {path} is not the one recorded when the run finished "
            f"(its sha256 differs from {run.artifact_sha256[:12]}...); refusing to load it. "
            "Train the model again, or restore the original file."
        )
    return path
