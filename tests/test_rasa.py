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


async def test_heldout_intent_accuracy_is_at_least_97_percent(nlu):
    """Intent accuracy on held-out learner messages: a message counts as wrong when it gets
    another intent, or falls below the fallback threshold. (Those between the threshold and
    ASK_BACK_BELOW are asked back; they count as right here when the intent is right.)"""
    examples = heldout_examples()
    wrong = []
    for text, intent in examples:
        parsed = await nlu.parse_message(text)
        if parsed["intent"]["name"] != intent:
            wrong.append((text, intent, parsed["intent"]["name"]))
    accuracy = 1 - len(wrong) / len(examples)
    print(f"held-out accuracy {accuracy:.3f} on {len(examples)} messages; wrong: {wrong}")
    assert len(examples) >= 500
    assert accuracy >= 0.97, wrong


async def test_out_of_scope_messages_fall_back_or_are_asked_back(nlu):
    """At least 90 % of out-of-scope messages are not acted on: they fall back, or the bot
    asks "Bedoel je ...?" instead of guessing."""
    from bot.dialogue.service import ASK_BACK_BELOW, NOT_ASKED_BACK

    texts = yaml.safe_load(OUT_OF_SCOPE.read_text(encoding="utf-8"))["out_of_scope"]
    acted_on = []
    for text in texts:
        intent = (await nlu.parse_message(str(text)))["intent"]
        unsure = intent["confidence"] < ASK_BACK_BELOW and intent["name"] not in NOT_ASKED_BACK
        if intent["name"] != "nlu_fallback" and not unsure:
            acted_on.append((text, intent["name"]))
    rate = 1 - len(acted_on) / len(texts)
    print(f"out-of-scope caught {rate:.3f} on {len(texts)} messages; acted on: {acted_on}")
    assert len(texts) >= 150
    assert rate >= 0.9, acted_on


def test_no_test_or_dev_message_is_trained_on():
    """The held-out and dev sets stay out of training (compared without case and spaces)."""

    def normal(text: str) -> str:
        return " ".join(text.lower().split())

    trained = set()
    for path in (PROJECT_ROOT / "nlu_data").glob("*.yml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for block in data.get("nlu") or []:
            for line in (block.get("examples") or "").splitlines():
                trained.add(normal(line.strip().removeprefix("- ")))
    held = {normal(text) for text, _ in heldout_examples()}
    held |= {normal(str(t)) for t in yaml.safe_load(OUT_OF_SCOPE.read_text())["out_of_scope"]}
    for dev in ("dev.yml", "dev2.yml"):
        data = yaml.safe_load((HELDOUT.parent / dev).read_text(encoding="utf-8"))
        held |= {normal(str(t)) for t in data["out_of_scope"]}
        for block in data["nlu"]:
            held |= {
                normal(line.strip().removeprefix("- ")) for line in block["examples"].splitlines()
            }
    assert sorted(held & trained) == []
