"""The `taalmaatje` command as an operator runs it: a real process, the real model."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.settings import PROJECT_ROOT

TAALMAATJE = Path(sys.executable).with_name("taalmaatje")
AUDIENCES = {"learner", "buddy", "coordinator"}


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory: pytest.TempPathFactory, model_path: Path) -> dict[str, str]:
    """The repository's models; a private var/ so nothing is written into the project."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("TAALMAATJE_")}
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        TAALMAATJE_VAR_DIR=str(tmp_path_factory.mktemp("cli-var")),
        TAALMAATJE_SECRET="test-secret",
        TAALMAATJE_MODELS_DIR=str(model_path.parent),
    )
    return env


def taalmaatje(
    env: dict[str, str], *args: str, stdin: str | None = None, program: list[str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*(program or [str(TAALMAATJE)]), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=240,
        cwd=PROJECT_ROOT,
        env=env,
    )


def json_lines(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines()]


# --- parse -------------------------------------------------------------------------------


def test_parse_one_text_prints_one_json_line(cli_env: dict[str, str]) -> None:
    result = taalmaatje(cli_env, "parse", "wanneer is het taalhuis open", "--json")
    assert result.returncode == 0, result.stderr
    [parsed] = json_lines(result.stdout)
    assert set(parsed) == {"text", "intent", "entities"}
    assert parsed["text"] == "wanneer is het taalhuis open"
    assert set(parsed["intent"]) == {"name", "confidence"}
    assert parsed["intent"]["name"] == "openingstijden"
    assert 0.5 < parsed["intent"]["confidence"] <= 1.0
    assert parsed["entities"] == []


def test_parse_reads_one_text_per_line_in_order(cli_env: dict[str, str]) -> None:
    texts = ["hallo", "wanneer is het taalhuis open", "geen geluid"]
    # A blank line is skipped, not parsed.
    result = taalmaatje(cli_env, "parse", "--json", stdin="\n".join([texts[0], "", *texts[1:]]))
    assert result.returncode == 0, result.stderr
    parsed = json_lines(result.stdout)
    assert [p["text"] for p in parsed] == texts
    assert [p["intent"]["name"] for p in parsed] == ["groet", "openingstijden", "geluid_uit"]


# --- texts -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def texts(cli_env: dict[str, str]) -> list[dict[str, str]]:
    result = taalmaatje(cli_env, "texts", "--json")
    assert result.returncode == 0, result.stderr
    items = json.loads(result.stdout)
    assert isinstance(items, list)
    return items


def test_texts_lists_every_text_with_its_audience_and_level(texts: list[dict[str, str]]) -> None:
    assert texts
    for item in texts:
        assert set(item) == {"id", "text", "audience", "level"}, item
        assert item["text"].strip(), item
        assert item["audience"] in AUDIENCES, item
        assert item["level"], item
    ids = [item["id"] for item in texts]
    assert len(ids) == len(set(ids))


def test_texts_include_every_domain_response_and_button(texts: list[dict[str, str]]) -> None:
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    by_id = {item["id"]: item["text"] for item in texts}
    for name, variations in domain["responses"].items():
        for index, variation in enumerate(variations):
            key = f"{name}#{index}" if len(variations) > 1 else name
            if variation.get("text"):
                assert by_id.get(key) == variation["text"], key
            for button in variation.get("buttons") or []:
                assert by_id.get(f"{key}/{button['payload']}") == button["title"]


def test_texts_include_the_channels_own_texts(texts: list[dict[str, str]]) -> None:
    channel = yaml.safe_load((PROJECT_ROOT / "bot/content/channel.yml").read_text("utf-8"))
    by_id = {item["id"]: item for item in texts}
    for section in ("texts", "buttons", "commands"):
        for key, text in channel[section].items():
            item = by_id.get(f"channel.{section}.{key}")
            assert item is not None, f"channel.{section}.{key}"
            assert (item["text"], item["level"]) == (text, channel["level"])


def test_texts_give_profile_variations_their_profiles_level(
    texts: list[dict[str, str]],
) -> None:
    by_id = {item["id"]: item for item in texts}
    # utter_oef_goed: two variations for newcomers (A1), two for everyone else (A2).
    assert [by_id[f"utter_oef_goed#{i}"]["level"] for i in range(4)] == ["A1", "A1", "A2", "A2"]


def test_texts_include_the_practice_bank_and_labels(texts: list[dict[str, str]]) -> None:
    by_id = {item["id"]: item for item in texts}
    brood = by_id["oefenen.boodschappen.brood#0"]
    assert (brood["text"], brood["level"]) == ("het brood", "A1")
    assert by_id["practice.labels.ja"]["text"] == "👍 Ja"
    levels = {item["level"] for item in texts if item["id"].startswith("oefenen.")}
    assert levels == {"A1", "A2", "B1"}
    assert sum(item["id"].startswith("oefenen.") for item in texts) >= 8 * 3 * 12


# --- the reading-level gate and the content bank -----------------------------------------


def test_tone_report_shows_every_text_passing(cli_env: dict[str, str]) -> None:
    result = taalmaatje(cli_env, "tone", "report")
    assert result.returncode == 0, result.stdout[-2000:]
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["id", "level", "text"]
    assert any(line.startswith("utter_welkom ") and line.rstrip().endswith("ok") for line in lines)
    assert " 0 fail" in lines[-1]


def test_tone_report_fails_when_texts_exceed_a_stricter_level(cli_env: dict[str, str]) -> None:
    result = taalmaatje(cli_env, "tone", "report", "--level", "A1", "--failing", "--json")
    assert result.returncode == 1
    failing = json.loads(result.stdout)
    assert failing and all(not row["ok"] for row in failing)
    assert {row["level"] for row in failing} == {"A1"}


def test_content_check_counts_the_bank(cli_env: dict[str, str]) -> None:
    result = taalmaatje(cli_env, "content", "check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("8 themes, level 1: 112 items")


def test_content_check_names_the_file_and_line_of_a_mistake(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    draft = tmp_path / "oefenen"
    shutil.copytree(PROJECT_ROOT / "bot/content/oefenen", draft)
    theme = draft / "boodschappen.yml"
    lines = theme.read_text(encoding="utf-8").splitlines()
    line = next(i for i, text in enumerate(lines) if text.strip().startswith("gat:"))
    lines[line] = lines[line].split("gat:")[0] + "gat: olifant"
    theme.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = taalmaatje(cli_env, "content", "check", "--dir", str(draft))
    assert result.returncode == 1
    assert f"boodschappen.yml:{line + 1}:" in result.stdout
    assert "olifant" in result.stdout


# --- other commands ----------------------------------------------------------------------


def test_python_dash_m_bot_shows_the_commands(cli_env: dict[str, str]) -> None:
    result = taalmaatje(cli_env, "--help", program=[sys.executable, "-m", "bot"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: taalmaatje")
    for command in ("run", "train", "parse", "texts", "audio", "emulator", "actions"):
        assert command in result.stdout


def test_no_command_is_a_usage_error(cli_env: dict[str, str]) -> None:
    result = taalmaatje(cli_env)
    assert result.returncode == 2
    assert "usage: taalmaatje" in result.stderr
    assert result.stdout == ""


def test_train_with_a_current_model_says_so(cli_env: dict[str, str], model_path: Path) -> None:
    result = taalmaatje(cli_env, "train")
    assert result.returncode == 0, result.stderr
    assert f"The model is up to date: {model_path}" in result.stderr
    assert "Training" not in result.stderr
    assert model_path.is_file()
