"""Training the Rasa model, only when its inputs changed.

The model file is named after a fingerprint of every training input and the Rasa version,
so "is the model current?" is a file lookup that needs no Rasa import.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import sys
import time
from pathlib import Path

TRAINING_INPUTS = ("config.yml", "domain.yml", "nlu_data", "stories")
RASA_VERSION = "3.6.21"
KEEP_MODELS = 3


def training_files(root: Path, config: Path | None = None) -> list[Path]:
    """Every file the model is trained from, in a stable order."""
    files: list[Path] = []
    for name in TRAINING_INPUTS:
        path = root / name
        if name == "config.yml" and config is not None:
            path = config
        if path.is_dir():
            found = [p for p in path.rglob("*") if p.suffix in (".yml", ".yaml") and p.is_file()]
            files.extend(sorted(found))
        elif path.exists():
            files.append(path)
    return files


def fingerprint(root: Path, config: Path | None = None) -> str:
    digest = hashlib.sha256(RASA_VERSION.encode())
    for path in training_files(root, config):
        name = "config.yml" if path == config else str(path.relative_to(root))
        digest.update(name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def model_path(
    root: Path, models_dir: Path, config: Path | None = None, prefix: str = "taalmaatje"
) -> Path:
    return models_dir / f"{prefix}-{fingerprint(root, config)}.tar.gz"


class _ProgressHandler(logging.Handler):
    """Print one line per trained component, so a learner's coordinator sees it move."""

    def __init__(self, stream: object) -> None:
        super().__init__(logging.INFO)
        self.stream = stream
        self.started = time.perf_counter()
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith("Finished training component"):
            self.count += 1
            name = message.split("'")[1] if "'" in message else message
            elapsed = time.perf_counter() - self.started
            print(f"  [{self.count:2d}] {name:<40} {elapsed:6.1f} s", file=self.stream, flush=True)


def train(
    root: Path,
    models_dir: Path,
    *,
    config: Path | None = None,
    prefix: str = "taalmaatje",
    force: bool = False,
    progress: bool = True,
) -> tuple[Path, bool]:
    """Train when the inputs changed; return the model path and whether it was trained now."""
    target = model_path(root, models_dir, config, prefix)
    if target.exists() and not force:
        return target, False
    from bot.dialogue import rasa_env

    rasa_env.prepare()
    from rasa.model_training import train as rasa_train

    handler = _ProgressHandler(sys.stderr)
    hooks_logger = logging.getLogger("rasa.engine.training.hooks")
    previous_level = hooks_logger.level
    if progress:
        print(f"Training the Rasa model ({target.name}) ...", file=sys.stderr, flush=True)
        hooks_logger.addHandler(handler)
        hooks_logger.setLevel(logging.INFO)
        hooks_logger.propagate = False
    try:
        models_dir.mkdir(parents=True, exist_ok=True)
        # Rasa prints its banners to stdout, which belongs to the command (parse --json).
        with contextlib.redirect_stdout(sys.stderr):
            result = rasa_train(
                domain=str(root / "domain.yml"),
                config=str(config or root / "config.yml"),
                training_files=[str(root / "nlu_data"), str(root / "stories")],
                output=str(models_dir),
                fixed_model_name=target.name.removesuffix(".tar.gz"),
                force_training=True,
            )
    finally:
        hooks_logger.removeHandler(handler)
        hooks_logger.setLevel(previous_level)
        hooks_logger.propagate = True
    if result.code != 0 or not result.model:
        raise RuntimeError(f"Rasa training failed with code {result.code}")
    if progress:
        elapsed = time.perf_counter() - handler.started
        print(f"Model ready in {elapsed:.1f} s: {target}", file=sys.stderr, flush=True)
    _prune(models_dir, prefix, keep=target)
    return Path(result.model), True


def _prune(models_dir: Path, prefix: str, keep: Path) -> None:
    """Keep the newest few models of this kind; old ones only fill the disk."""
    models = sorted(models_dir.glob(f"{prefix}-*.tar.gz"), key=lambda p: p.stat().st_mtime)
    for old in models[:-KEEP_MODELS]:
        if old != keep:
            old.unlink(missing_ok=True)
