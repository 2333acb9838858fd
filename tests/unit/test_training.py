"""When the model is retrained: its name is a fingerprint of every training input.

The real training data is copied into a temporary folder and edited there; nothing here
trains a model (the session's `model_path` fixture does that once for the suites that need it).
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bot.dialogue import training
from bot.dialogue.training import fingerprint, model_path, train, training_files
from bot.settings import PROJECT_ROOT


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A copy of the project's training data."""
    root = tmp_path / "project"
    root.mkdir()
    for name in ("config.yml", "domain.yml"):
        shutil.copy(PROJECT_ROOT / name, root / name)
    for name in ("nlu_data", "stories"):
        shutil.copytree(PROJECT_ROOT / name, root / name)
    return root


def first_yml(folder: Path) -> Path:
    return sorted(folder.glob("*.yml"))[0]


def test_fingerprint_is_stable(root: Path) -> None:
    assert fingerprint(root) == fingerprint(root)
    assert len(fingerprint(root)) == 16
    int(fingerprint(root), 16)


def test_fingerprint_does_not_depend_on_where_the_project_lives(root: Path, tmp_path: Path) -> None:
    before = fingerprint(root)
    moved = shutil.move(str(root), str(tmp_path / "elders"))
    assert fingerprint(Path(moved)) == before


def test_every_training_input_is_fingerprinted(root: Path) -> None:
    names = {str(path.relative_to(root)) for path in training_files(root)}
    expected = {"config.yml", "domain.yml"}
    expected |= {f"nlu_data/{p.name}" for p in (root / "nlu_data").glob("*.yml")}
    expected |= {f"stories/{p.name}" for p in (root / "stories").glob("*.yml")}
    assert names == expected
    assert len(names) >= 4


@pytest.mark.parametrize(
    "edit",
    [
        lambda root: root / "config.yml",
        lambda root: root / "domain.yml",
        lambda root: first_yml(root / "nlu_data"),
        lambda root: sorted((root / "nlu_data").glob("*.yml"))[-1],
        lambda root: first_yml(root / "stories"),
    ],
    ids=["config", "domain", "first-nlu-file", "last-nlu-file", "stories"],
)
def test_any_edit_to_a_training_file_changes_the_fingerprint(root: Path, edit) -> None:
    before = fingerprint(root)
    path = edit(root)
    path.write_text(path.read_text(encoding="utf-8") + "\n# een kleine wijziging\n")
    assert fingerprint(root) != before


def test_a_new_training_file_changes_the_fingerprint(root: Path) -> None:
    before = fingerprint(root)
    (root / "nlu_data" / "extra.yml").write_text(
        textwrap.dedent(
            """\
            version: "3.1"
            nlu:
              - intent: groet
                examples: |
                  - goeiemorgen
            """
        )
    )
    assert fingerprint(root) != before


def test_renaming_a_training_file_changes_the_fingerprint(root: Path) -> None:
    before = fingerprint(root)
    path = first_yml(root / "stories")
    path.rename(path.with_name("hernoemd.yml"))
    assert fingerprint(root) != before


def test_a_yaml_training_file_changes_the_fingerprint(root: Path) -> None:
    before = fingerprint(root)
    (root / "nlu_data" / "extra.yaml").write_text(
        'version: "3.1"\nnlu:\n  - intent: groet\n    examples: |\n      - goeiemorgen\n'
    )
    assert fingerprint(root) != before


def test_another_config_gives_another_model(root: Path, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.yml"
    baseline.write_text(
        (root / "config.yml")
        .read_text(encoding="utf-8")
        .replace("threshold: 0.25", "threshold: 0.5")
    )
    assert "threshold: 0.5" in baseline.read_text()
    assert fingerprint(root, baseline) != fingerprint(root)
    # The same settings under another file name are the same model.
    same = tmp_path / "kopie.yml"
    shutil.copy(root / "config.yml", same)
    assert fingerprint(root, same) == fingerprint(root)
    assert fingerprint(root, root / "config.yml") == fingerprint(root)


def test_fingerprint_includes_the_installed_rasa_version() -> None:
    """A Rasa upgrade must retrain: an old model may not load in a new Rasa."""
    assert importlib.metadata.version("rasa") == training.RASA_VERSION


def test_model_path_is_named_after_the_fingerprint(root: Path, tmp_path: Path) -> None:
    models = tmp_path / "models"
    assert model_path(root, models) == models / f"taalmaatje-{fingerprint(root)}.tar.gz"
    assert model_path(root, models, prefix="baseline").name == (
        f"baseline-{fingerprint(root)}.tar.gz"
    )


def test_train_with_a_current_model_returns_it_without_loading_rasa(
    root: Path, tmp_path: Path
) -> None:
    """Runs in a fresh interpreter: this process has imported Rasa long ago."""
    models = tmp_path / "models"
    models.mkdir()
    existing = model_path(root, models)
    existing.write_bytes(b"a model")
    script = textwrap.dedent(
        f"""\
        import sys
        from pathlib import Path
        from bot.dialogue.training import train
        path, trained = train(Path({str(root)!r}), Path({str(models)!r}))
        print(path, trained, "rasa" in sys.modules, "tensorflow" in sys.modules)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=PROJECT_ROOT,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(existing), "False", "False", "False"]
    assert existing.read_bytes() == b"a model"
    assert list(models.iterdir()) == [existing]


def test_train_in_process_returns_the_current_model(root: Path, tmp_path: Path) -> None:
    models = tmp_path / "models"
    models.mkdir()
    existing = model_path(root, models)
    existing.write_bytes(b"a model")
    assert train(root, models, progress=False) == (existing, False)


def test_the_project_model_is_current(model_path: Path) -> None:
    """The session's model (trained if the data changed) is the one the fingerprint names."""
    assert model_path == training.model_path(PROJECT_ROOT, model_path.parent)
    assert model_path.is_file()
    assert model_path.stat().st_size > 10_000
