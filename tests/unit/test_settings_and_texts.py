"""Settings from the environment, secrets kept out of logs, and the fixed texts' loaders."""

from __future__ import annotations

import io
import logging
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from bot.content import load_channel_texts
from bot.logging_setup import RedactingFormatter
from bot.settings import PROJECT_ROOT, Secret, Settings
from bot.texts import speakable_texts

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
OTHER_TOKEN = "987654321:ZZx_9-abcdefghijklmnopqrstuvwxyz"


# --- settings ----------------------------------------------------------------------------


def test_defaults_keep_everything_local(tmp_path: Path) -> None:
    settings = Settings.from_env({}, root=tmp_path)
    assert settings.database_url == f"sqlite:///{tmp_path / 'var' / 'taalmaatje.db'}"
    assert settings.tts_mode == "auto"
    assert (settings.host, settings.port) == ("127.0.0.1", 8080)
    assert settings.telegram_token is None
    assert settings.telegram_base_url is None
    assert settings.redis_url is None
    assert settings.action_endpoint_url is None
    assert settings.var_dir == tmp_path / "var"
    assert settings.audio_dir == tmp_path / "audio"
    assert settings.models_dir == tmp_path / "models"
    assert settings.config_path == tmp_path / "config.yml"


def test_environment_overrides_the_defaults(tmp_path: Path) -> None:
    env = {
        "TELEGRAM_BOT_TOKEN": f"  {TOKEN}\n",
        "DATABASE_URL": "postgresql://taal@db/taalmaatje",
        "TAALMAATJE_TTS": " ESPEAK ",
        "TAALMAATJE_HOST": "0.0.0.0",
        "TAALMAATJE_PORT": "9090",
        "TAALMAATJE_VAR_DIR": str(tmp_path / "data"),
        "TAALMAATJE_SECRET": "s3cret",
    }
    settings = Settings.from_env(env, root=tmp_path)
    assert settings.telegram_token is not None
    assert settings.telegram_token.get() == TOKEN  # pasted with spaces and a newline
    assert settings.database_url == "postgresql://taal@db/taalmaatje"
    assert settings.tts_mode == "espeak"
    assert (settings.host, settings.port) == ("0.0.0.0", 9090)
    assert settings.var_dir == tmp_path / "data"
    assert settings.secret_key.get() == "s3cret"


def test_empty_token_means_no_token(tmp_path: Path) -> None:
    settings = Settings.from_env({"TELEGRAM_BOT_TOKEN": "   "}, root=tmp_path)
    assert settings.telegram_token is None


@pytest.mark.parametrize("mode", ["google", "yes", "espeak-ng"])
def test_unknown_tts_mode_is_refused_with_the_choices(tmp_path: Path, mode: str) -> None:
    with pytest.raises(ValueError) as caught:
        Settings.from_env({"TAALMAATJE_TTS": mode}, root=tmp_path)
    message = str(caught.value)
    assert "TAALMAATJE_TTS" in message
    assert repr(mode) in message
    for choice in ("auto", "gtts", "espeak", "off"):
        assert choice in message


def test_bad_port_is_refused_naming_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="TAALMAATJE_PORT"):
        Settings.from_env({"TAALMAATJE_PORT": "80 80"}, root=tmp_path)


def test_secret_never_shows_its_value() -> None:
    secret = Secret(TOKEN)
    assert secret.get() == TOKEN
    for shown in (repr(secret), str(secret), f"{secret}", f"{secret!r}", format(secret)):
        assert TOKEN not in shown
        assert "123456789" not in shown
    assert bool(secret) and not bool(Secret(""))


def test_settings_repr_shows_no_secret(tmp_path: Path) -> None:
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TAALMAATJE_SECRET": "pseudonym-key-1234"}
    settings = Settings.from_env(env, root=tmp_path)
    assert TOKEN not in repr(settings)
    assert "pseudonym-key-1234" not in repr(settings)


def test_secret_key_file_is_made_once_private_and_reused(tmp_path: Path) -> None:
    first = Settings.from_env({}, root=tmp_path)
    key_file = tmp_path / "var" / "secret.key"
    assert key_file.is_file()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = first.secret_key.get()
    assert len(key) == 64
    int(key, 16)
    # A restart keeps the key, so statistics keep the same pseudonyms.
    assert Settings.from_env({}, root=tmp_path).secret_key.get() == key
    assert key_file.read_text().strip() == key


def test_secret_keys_differ_per_installation(tmp_path: Path) -> None:
    one = Settings.from_env({}, root=tmp_path / "one").secret_key.get()
    two = Settings.from_env({}, root=tmp_path / "two").secret_key.get()
    assert one != two


def test_secret_from_the_environment_writes_no_file(tmp_path: Path) -> None:
    Settings.from_env({"TAALMAATJE_SECRET": "from-env"}, root=tmp_path)
    assert not (tmp_path / "var" / "secret.key").exists()


# --- redacting secrets in logs -----------------------------------------------------------


@pytest.fixture
def log() -> tuple[logging.Logger, io.StringIO]:
    """A logger writing through a handler with the redacting formatter, as configure() does."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RedactingFormatter("%(message)s", [TOKEN, "pseudonym-key-1234", "ab"]))
    logger = logging.getLogger(f"taalmaatje.test.{id(stream)}")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    return logger, stream


def test_token_in_a_url_is_redacted(log: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = log
    logger.info("HTTP Request: POST %s", f"https://api.telegram.org/bot{TOKEN}/getMe")
    assert stream.getvalue() == "HTTP Request: POST https://api.telegram.org/bot<token>/getMe\n"


def test_any_token_shaped_string_is_redacted(log: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = log
    logger.warning(f"another bot: {OTHER_TOKEN} and /bot{OTHER_TOKEN}/sendMessage")
    assert stream.getvalue() == "another bot: <token> and /bot<token>/sendMessage\n"


def test_other_secrets_are_redacted(log: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = log
    logger.info("key=%s", "pseudonym-key-1234")
    assert stream.getvalue() == "key=<token>\n"


def test_ordinary_lines_pass_unchanged(log: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = log
    # Short "secrets" are ignored: they would mangle every line ("ab" in "about").
    logger.info("learner %s: %d turns about %s, chat 123456", "4242", 3, {"intent": "groet"})
    assert stream.getvalue() == "learner 4242: 3 turns about {'intent': 'groet'}, chat 123456\n"


def test_token_in_a_logged_exception_is_redacted(log: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = log
    try:
        raise RuntimeError(f"Bad gateway for https://api.telegram.org/bot{TOKEN}/getUpdates")
    except RuntimeError:
        logger.exception("polling failed")
    assert "polling failed" in stream.getvalue()
    assert TOKEN not in stream.getvalue()


def test_configure_redacts_the_root_log_and_quietens_httpx(tmp_path: Path) -> None:
    """In a fresh process, as `taalmaatje run` sets it up."""
    script = textwrap.dedent(
        f"""\
        import logging
        from bot.logging_setup import configure
        configure(secrets=[{TOKEN!r}])
        logging.getLogger("bot.app").info("starting with %s", {TOKEN!r})
        logging.getLogger("httpx").info("HTTP Request: POST /bot{TOKEN}/getUpdates")
        logging.getLogger("httpx").warning("retrying /bot{TOKEN}/getUpdates")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=PROJECT_ROOT,
        env=os.environ.copy(),
    )
    assert result.returncode == 0, result.stderr
    assert TOKEN not in result.stderr
    assert "INFO bot.app: starting with <token>" in result.stderr
    assert "HTTP Request" not in result.stderr
    assert "WARNING httpx: retrying /bot<token>/getUpdates" in result.stderr


# --- fixed texts -------------------------------------------------------------------------


def project_copy(tmp_path: Path, telefoon: str, extra_responses: dict) -> Path:
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    domain["slots"]["telefoon"]["initial_value"] = telefoon
    domain["responses"].update(extra_responses)
    (tmp_path / "domain.yml").write_text(yaml.safe_dump(domain, allow_unicode=True), "utf-8")
    return tmp_path


def test_speakable_texts_fill_the_phone_number(tmp_path: Path) -> None:
    root = project_copy(tmp_path, "0800 222 333", {})
    spoken = speakable_texts(root)
    assert "Wil je een mens spreken? Bel het Taalhuis: 0800 222 333." in spoken
    assert "Hier is de komende twee weken geen plek. Bel het Taalhuis: 0800 222 333." in spoken
    assert not any("{telefoon}" in text for text in spoken)


def test_speakable_texts_leave_out_unfilled_placeholders(tmp_path: Path) -> None:
    root = project_copy(
        tmp_path,
        "0800 222 333",
        {"utter_hoi_naam": [{"text": "Hoi {naam}! Welkom."}], "utter_vast": [{"text": "Tot zo."}]},
    )
    spoken = speakable_texts(root)
    assert "Tot zo." in spoken
    assert not any("{" in text or "}" in text for text in spoken)
    assert not any(text.startswith("Hoi ") and "Welkom" in text for text in spoken)


def test_speakable_texts_are_the_learners_sentences_only() -> None:
    spoken = speakable_texts(PROJECT_ROOT)
    channel = load_channel_texts()
    assert channel.texts["photo"] in spoken
    assert "Wat wil je doen?" in spoken
    # Button labels and command descriptions are read, not spoken as voice notes.
    assert "📚 Oefenen" not in spoken
    assert channel.buttons["again"] not in spoken
    assert channel.commands["vergeet"] not in spoken


def test_speakable_texts_skip_texts_that_differ_per_learner() -> None:
    spoken = speakable_texts(PROJECT_ROOT)
    assert not any("{" in text for text in spoken)  # counts, answers: rendered per learner
    assert not any(text.startswith("Je hebt ") and "oefeningen" in text for text in spoken)
    assert "Je hebt nog niet geoefend. Zullen we beginnen?" in spoken  # the same for all


def test_channel_texts_load_every_section() -> None:
    texts = load_channel_texts()
    assert texts.level == "A2"
    assert texts.buttons and texts.commands and texts.texts
    assert all(value.strip() for value in [*texts.buttons.values(), *texts.texts.values()])


@pytest.mark.parametrize("missing", ["level", "buttons", "commands", "texts"])
def test_channel_texts_name_the_file_and_the_missing_section(tmp_path: Path, missing: str) -> None:
    data = yaml.safe_load((PROJECT_ROOT / "bot/content/channel.yml").read_text("utf-8"))
    del data[missing]
    path = tmp_path / "channel.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    with pytest.raises(ValueError) as caught:
        load_channel_texts(path)
    assert str(path) in str(caught.value)
    assert missing in str(caught.value)


def test_empty_channel_file_names_every_missing_section(tmp_path: Path) -> None:
    path = tmp_path / "channel.yml"
    path.write_text("# nog leeg\n")
    with pytest.raises(ValueError) as caught:
        load_channel_texts(path)
    assert str(caught.value) == f"{path}: missing buttons, commands, level, texts"
