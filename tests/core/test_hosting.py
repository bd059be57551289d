"""Hosted mode's settings and the caps core enforces with them."""

import pytest

from core.data import uploads
from core.data.uploads import UploadRejected, read_table, upload_size_cap_bytes
from core.errors import InvalidConfig, UserFacingError
from core.hosting import (
    CAPS,
    HostingSettings,
    adopt,
    capped_defaults,
    check_within_caps,
    hosting_settings,
)
from core.models.registry import model_spec
from core.paths import REPO_ROOT
from core.tasks.training import checked_config

LSTM = ("sequence-classification", "lstm")


def test_off_by_default_with_defaults_for_every_cap():
    assert hosting_settings({}) == HostingSettings(hosted=False)
    settings = hosting_settings(
        {"SEQLAB_HOSTED": "1", "SEQLAB_MAX_EPOCHS": "3", "SEQLAB_MAX_UPLOAD_MB": "0.5"}
    )
    assert settings.hosted and settings.max_epochs == 3 and settings.max_upload_mb == 0.5
    assert settings.max_rows == HostingSettings().max_rows


@pytest.mark.parametrize("document", [".streamlit/secrets.toml.example", "README.md"])
def test_every_setting_is_documented_with_its_default(document):
    text = (REPO_ROOT / document).read_text()
    defaults = HostingSettings()
    for name in CAPS:
        field = name.removeprefix("SEQLAB_").lower()
        assert f"{name} = {getattr(defaults, field):g}" in text


@pytest.mark.parametrize("text", ["many", "0", "-2"])
def test_a_bad_cap_is_named(text):
    with pytest.raises(UserFacingError, match=f"SEQLAB_MAX_ROWS must be .*{text}"):
        hosting_settings({"SEQLAB_HOSTED": "1", "SEQLAB_MAX_ROWS": text})
    assert hosting_settings({"SEQLAB_MAX_ROWS": text}) == HostingSettings()  # not hosted


def test_secrets_are_adopted_into_the_environment(monkeypatch):
    for name in ("SEQLAB_HOSTED", "SEQLAB_MAX_TRAININGS"):
        monkeypatch.setenv(name, "")  # unset, and restored after the test
    adopt({"SEQLAB_HOSTED": True, "SEQLAB_MAX_TRAININGS": 2, "OTHER": "x"})
    assert hosting_settings() == HostingSettings(hosted=True, max_trainings=2)


@pytest.mark.parametrize("given, hosted", [(None, True), ("", True), ("0", False), ("1", True)])
def test_the_app_is_hosted_unless_local_mode_is_asked_for(monkeypatch, given, hosted):
    """A platform starts a bare `streamlit run dashboard/app.py`: that must be hosted."""
    if given is None:
        monkeypatch.delenv("SEQLAB_HOSTED", raising=False)
    else:
        monkeypatch.setenv("SEQLAB_HOSTED", given)
    adopt({})
    assert hosting_settings().hosted is hosted


def test_neural_epochs_are_capped_only_in_hosted_mode(monkeypatch):
    spec = model_spec(*LSTM)
    config = spec.config_with({"epochs": 30})
    check_within_caps(spec, config, HostingSettings(hosted=False, max_epochs=5))
    with pytest.raises(InvalidConfig, match="epochs must be at most 5 .*hosted mode.*got 30"):
        check_within_caps(spec, config, HostingSettings(hosted=True, max_epochs=5))
    assert capped_defaults(spec, HostingSettings(hosted=True)).epochs == 10
    assert capped_defaults(spec, HostingSettings()).epochs == 40
    baseline = model_spec("sequence-classification", "logreg")  # L-BFGS rounds: not capped
    assert capped_defaults(baseline, HostingSettings(hosted=True)).epochs == 40
    check_within_caps(baseline, baseline.default_config(), HostingSettings(hosted=True))
    monkeypatch.setenv("SEQLAB_HOSTED", "1")
    monkeypatch.setenv("SEQLAB_MAX_EPOCHS", "5")
    with pytest.raises(InvalidConfig, match="at most 5"):
        checked_config(*LSTM, config)  # the path every training takes: CLI, jobs, benches
    assert checked_config(*LSTM, None)[1].epochs == 5  # no config given: the capped default


def test_a_tagger_batch_runs_in_passes_within_the_cap_in_hosted_mode():
    spec = model_spec("sequence-labelling", "bilstm")
    hosted = HostingSettings(hosted=True, max_batch=32)
    opened = capped_defaults(spec, hosted)
    assert (opened.batch_size, opened.batch_passes) == (128, 4)  # the same batches, in 4 passes
    check_within_caps(spec, opened, hosted)
    assert capped_defaults(spec, HostingSettings(hosted=True, max_batch=50)).batch_passes == 3
    assert capped_defaults(spec, HostingSettings()).batch_passes == 1  # not hosted: untouched
    with pytest.raises(
        InvalidConfig,
        match="at most 32 sequences at a time.* batch_size 256 needs batch_passes of at least "
        "8; got 4",
    ):
        check_within_caps(spec, spec.config_with({"batch_size": 256, "batch_passes": 4}), hosted)
    lstm = model_spec(*LSTM)  # runs its batches whole: its batch is not capped
    check_within_caps(lstm, lstm.config_with({"batch_size": 256, "epochs": 10}), hosted)


def test_uploads_are_capped_lower_in_hosted_mode(monkeypatch):
    full = upload_size_cap_bytes()
    monkeypatch.setenv("SEQLAB_HOSTED", "1")
    monkeypatch.setenv("SEQLAB_MAX_UPLOAD_MB", "0.001")
    monkeypatch.setenv("SEQLAB_MAX_ROWS", "25")
    assert upload_size_cap_bytes() == 1048 < full
    rows = "".join(f"text {number},{number % 2}\n" for number in range(30))
    with pytest.raises(UploadRejected, match="over the 1,048 bytes upload limit"):
        read_table(b"text,label\n" + rows.encode() * 5, "big.csv")
    with pytest.raises(UploadRejected, match="30 rows; seqlab reads at most 25 on this shared"):
        read_table(b"text,label\n" + rows.encode(), "long.csv")
    assert uploads.max_rows() == 25
    assert uploads.upload_size_cap_megabytes() == 1  # the uploader takes whole megabytes
    monkeypatch.setenv("SEQLAB_MAX_UPLOAD_MB", "3")
    assert uploads.upload_size_cap_megabytes() == 3
