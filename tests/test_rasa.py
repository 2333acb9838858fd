"""Rasa's own checks on the training data, and intent accuracy on held-out learner messages."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.settings import PROJECT_ROOT

RASA = str(Path(sys.executable).parent / "rasa")
# Held-out messages the model never saw, typed as learners type (typos included).
HELDOUT = PROJECT_ROOT / "tests" / "nlu" / "heldout.yml"
OUT_OF_SCOPE = PROJECT_ROOT / "tests" / "nlu" / "out_of_scope.yml"


def rasa(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false"}
    return subprocess.run(
        [RASA, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


def test_training_data_validates_without_warnings(tmp_path):
    result = rasa(
        "data", "validate", "--fail-on-warnings",
        "--data", str(PROJECT_ROOT / "nlu_data"), str(PROJECT_ROOT / "stories"),
        "--domain", str(PROJECT_ROOT / "domain.yml"),
        "--config", str(PROJECT_ROOT / "config.yml"),
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    warnings = [
        line
        for line in result.stderr.splitlines()
        if "UserWarning" in line and not uttered_by_an_action(line)
    ]
    assert warnings == []


def uttered_by_an_action(warning: str) -> bool:
    """Responses that custom actions choose (feedback, exercises) are in no story by design.

    Only those: a response named in no story and by no action is still a warning.
    """
    found = re.search(r"The utterance '(utter_\w+)' is not used in any story or rule", warning)
    if not found:
        return False
    source = "\n".join(p.read_text() for p in (PROJECT_ROOT / "bot" / "actions").rglob("*.py"))
    names = set(re.findall(r'"(utter_\w+)"', source))
    prefixes = re.findall(r'f"(utter_\w+)\{', source)
    name = found.group(1)
    return name in names or any(name.startswith(prefix) for prefix in prefixes)


def test_stories_pass_without_prediction_errors(model_path, tmp_path):
    result = rasa(
        "test", "core", "--model", str(model_path),
        "--stories", str(PROJECT_ROOT / "tests" / "stories"),
        "--fail-on-prediction-errors", "--out", str(tmp_path / "results"),
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def heldout_examples() -> list[tuple[str, str]]:
    data = yaml.safe_load(HELDOUT.read_text(encoding="utf-8"))
    examples = []
    for block in data["nlu"]:
        for line in block["examples"].splitlines():
            text = line.strip().removeprefix("- ").strip()
            if text:
                examples.append((text, block["intent"]))
    return examples


@pytest.fixture(scope="module")
def nlu(model_path):
    from rasa.core.agent import Agent

    return Agent.load(str(model_path))


async def test_heldout_intent_accuracy_is_at_least_95_percent(nlu):
    examples = heldout_examples()
    wrong = []
    for text, intent in examples:
        parsed = await nlu.parse_message(text)
        if parsed["intent"]["name"] != intent:
            wrong.append((text, intent, parsed["intent"]["name"]))
    accuracy = 1 - len(wrong) / len(examples)
    print(f"held-out accuracy {accuracy:.3f} on {len(examples)} messages; wrong: {wrong}")
    assert len(examples) >= 5 * 21
    assert accuracy >= 0.95, wrong


async def test_out_of_scope_messages_mostly_fall_back(nlu):
    texts = yaml.safe_load(OUT_OF_SCOPE.read_text(encoding="utf-8"))["out_of_scope"]
    caught = [(await nlu.parse_message(str(t)))["intent"]["name"] == "nlu_fallback" for t in texts]
    rate = sum(caught) / len(caught)
    print(f"out-of-scope fallback rate {rate:.2f} on {len(texts)} messages")
    assert rate >= 0.6
