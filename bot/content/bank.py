"""The practice content bank: per theme, words (level 1), sentences (2) and short texts (3).

Content writers edit the YAML files in ``oefenen/`` by hand, so loading checks everything at
once and names each problem by file and line (``path/to/file.yml:LINE: message``): first the
JSON Schema in ``bank.schema.yml``, then what a schema cannot say (unique ids and pictures,
enough items, the gap really in the sentence, word counts). Nothing is read at import time.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

LEVELS = (1, 2, 3)
CEFR = {1: "A1", 2: "A2", 3: "B1"}  # the reading level each content level is checked against

MIN_ITEMS = 12
SENTENCE_WORDS = (3, 7)  # niveau_2 zin
TEXT_SENTENCES = (2, 4)  # niveau_3 tekst
TEXT_SENTENCE_WORDS = 10
QUESTION_WORDS = 8
SCHEMA_PATH = Path(__file__).with_name("bank.schema.yml")

_Loc = tuple[str | int, ...]  # a path into one file's data, e.g. ("niveau_2", 3, "gat")
_PUNCTUATION = '.,?!:;"“”‘’()'  # stripped from both ends of a word; inner ' (auto's) stays
_SENTENCE_END = re.compile(r"(?<=[.?!])\s+")


def _level_key(level: int) -> str:
    return f"niveau_{level}"


@dataclass(frozen=True)
class Item:
    """One exercise item; which optional fields are set depends on the level."""

    key: str  # "<thema>.<id>", globally unique, <= 48 chars
    theme: str
    level: int
    picture: str  # level 3 has none in the file: it gets the theme's picture
    word: str | None = None  # level 1
    article: str | None = None  # level 1
    sentence: str | None = None  # level 2
    gap: str | None = None  # level 2
    wrong: tuple[str, ...] = ()  # level 2
    text: str | None = None  # level 3
    question: str | None = None  # level 3
    answer: bool | None = None  # level 3 (ja -> True)

    @property
    def shown_word(self) -> str:
        """The word as a learner sees it: with its article, because de/het is learnt with it."""
        word = self.word or ""
        return f"{self.article} {word}" if self.article else word

    def texts(self) -> list[str]:
        """Every learner-facing text of the item, for the reading-level gate."""
        if self.level == 1:
            return [self.shown_word]
        if self.level == 2:
            return [self.sentence or "", *self.wrong]
        return [self.text or "", self.question or ""]


@dataclass(frozen=True)
class Theme:
    id: str
    name: str
    picture: str
    work: bool
    items: dict[int, tuple[Item, ...]]  # level -> items, in file order


@dataclass(frozen=True)
class ContentBank:
    themes: dict[str, Theme]  # in file name order
    _index: dict[str, Item] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Exercises look items up by key on every answer; build the index once.
        index = {item.key: item for item in self.all_items()}
        object.__setattr__(self, "_index", index)

    def item(self, key: str) -> Item:
        """The item with this key; KeyError when unknown (e.g. a stale key in saved progress)."""
        return self._index[key]

    def all_items(self) -> list[Item]:
        """Every item: themes in order, then levels, then file order."""
        return [
            item
            for theme in self.themes.values()
            for level in LEVELS
            for item in theme.items.get(level, ())
        ]


class ContentError(Exception):
    """The content bank has problems; ``problems`` lists every one as ``file:LINE: message``."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        super().__init__(
            f"{count} problem{'s' if count != 1 else ''} in the content bank:\n"
            + "\n".join(self.problems)
        )


def default_directory() -> Path:
    return Path(__file__).with_name("oefenen")


def load_bank(directory: Path | None = None) -> ContentBank:
    """Load and check every theme file; raises ContentError listing all problems."""
    themes, problems = _scan(directory or default_directory())
    if problems:
        raise ContentError(problems)
    return ContentBank(themes={theme.id: theme for theme in themes})


def check_bank(directory: Path | None = None) -> list[str]:
    """The problems in the theme files, [] when they are valid."""
    return _scan(directory or default_directory())[1]


# --- scanning ----------------------------------------------------------------------------


def _scan(directory: Path) -> tuple[list[Theme], list[str]]:
    files = sorted(directory.glob("*.yml")) if directory.is_dir() else []
    problems = [
        f"{_shown(path)}:1: theme files must end in .yml" for path in directory.glob("*.yaml")
    ]
    if not files:
        problems.append(f"{_shown(directory)}: no theme files (*.yml)")
    themes = []
    for path in files:
        theme, found = _check_file(path)
        problems += found
        if theme is not None:
            themes.append(theme)
    return themes, problems


def _check_file(path: Path) -> tuple[Theme | None, list[str]]:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    shown = _shown(path)
    try:
        text = path.read_text(encoding="utf-8")
        # The safe loader uses libyaml (10x faster than round-trip); line numbers are only
        # needed when something is wrong, so the slow round-trip parse waits until then.
        data = YAML(typ="safe").load(text)
    except MarkedYAMLError as exc:
        return None, [f"{shown}:{_yaml_error(exc)}"]
    except (YAMLError, OSError, UnicodeDecodeError) as exc:
        return None, [f"{shown}:1: cannot read: {exc}"]

    found = [*_schema_problems(data), *_extra_problems(path, data)]
    if not found:
        return _build(data), []
    try:
        tree = YAML(typ="rt", pure=True).load(text)  # the same data, with .lc line numbers
    except YAMLError:  # libyaml accepted it, so this should not happen: fall back to line 1
        tree = None
    lines = [_line(tree, loc) for loc, _ in found]
    order = sorted(range(len(found)), key=lines.__getitem__)  # stable: same line keeps order
    return None, [_problem(shown, lines[i], *found[i]) for i in order]


def _yaml_error(exc: Any) -> str:
    """The `LINE: message` of a YAML error, with where the construct began: libyaml often
    marks the line after the mistake (an unclosed [ is noticed on the next line)."""
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else 1
    message = f"{line}: YAML syntax error: {exc.problem or exc}"
    if exc.context and exc.context_mark is not None and exc.context_mark.line + 1 != line:
        message += f" ({exc.context} at line {exc.context_mark.line + 1})"
    return message


def _problem(shown: str, line: int, loc: _Loc, message: str) -> str:
    where = _dotted(loc)
    return f"{shown}:{line}: {where + ': ' if where else ''}{message}"


def _shown(path: Path) -> str:
    """The path as an editor can open it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _dotted(loc: _Loc) -> str:
    out = ""
    for step in loc:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out


def _line(data: Any, loc: _Loc) -> int:
    """The 1-based line of the node at loc (of its key, in a mapping); the deepest found."""
    node, line = data, 1
    for step in loc:
        try:
            if isinstance(step, int) and isinstance(node, list):
                line = node.lc.item(step)[0] + 1
            elif isinstance(step, str) and isinstance(node, dict):
                line = node.lc.key(step)[0] + 1
            else:
                break
            node = node[step]
        except (AttributeError, KeyError, IndexError, TypeError):
            break
    return line


# --- the schema --------------------------------------------------------------------------


def _schema_problems(data: Any) -> Iterator[tuple[_Loc, str]]:
    for error in _validator().iter_errors(data):
        loc = tuple(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            known = error.schema.get("properties", {})
            for key in error.instance:
                if key not in known:
                    yield (*loc, key), f"unknown key {key!r}"
        elif error.validator in ("pattern", "format") and "description" in error.schema:
            yield loc, f"{error.instance!r} should be {error.schema['description']}"
        else:
            yield loc, error.message


@cache
def _validator() -> Any:
    """The compiled schema; cached because building it costs more than checking a file."""
    import jsonschema
    from ruamel.yaml import YAML

    schema = YAML(typ="safe", pure=True).load(SCHEMA_PATH.read_text(encoding="utf-8"))
    checker = jsonschema.FormatChecker(formats=())
    checker.checks("emoji")(lambda value: not isinstance(value, str) or _emoji_count(value) == 1)
    checker.checks("emojis")(
        lambda value: not isinstance(value, str) or 1 <= _emoji_count(value) <= 3
    )
    return jsonschema.Draft202012Validator(schema, format_checker=checker)


def _emoji_count(text: str) -> int:
    """How many emoji text shows (a ZWJ family or a flag counts once); 0 if it has other text."""
    count, i, n = 0, 0, len(text)
    while i < n:
        code = ord(text[i])
        if 0x1F1E6 <= code <= 0x1F1FF:  # regional indicators: a flag is a pair
            if i + 1 >= n or not 0x1F1E6 <= ord(text[i + 1]) <= 0x1F1FF:
                return 0
            i += 2
        elif text[i] in "#*0123456789" and "\u20e3" in text[i + 1 : i + 3]:  # keycap 1️⃣
            i += 1
        elif _is_emoji_base(text[i]):
            i += 1
        else:
            return 0
        while i < n:  # what sticks to the emoji: variation, skin tone, keycap, tags, ZWJ
            code = ord(text[i])
            if code in (0xFE0E, 0xFE0F, 0x20E3) or 0x1F3FB <= code <= 0x1F3FF:
                i += 1
            elif 0xE0020 <= code <= 0xE007F:
                i += 1
            elif code == 0x200D and i + 1 < n and _is_emoji_base(text[i + 1]):
                i += 2
            else:
                break
        count += 1
    return count


def _is_emoji_base(char: str) -> bool:
    # Python 3.10 knows Unicode 13; newer emoji in the emoji blocks are "unassigned" to it.
    return 0x1F000 <= ord(char) <= 0x1FAFF or unicodedata.category(char) == "So"


def _same_picture(picture: str) -> str:
    return picture.replace("\ufe0f", "").replace("\ufe0e", "")


# --- checks beyond the schema ------------------------------------------------------------


def _words(text: str) -> list[str]:
    return [word.strip(_PUNCTUATION) for word in text.split()]


def _extra_problems(path: Path, data: Any) -> Iterator[tuple[_Loc, str]]:
    """What the schema cannot say; tolerant of shapes the schema already reported."""
    if not isinstance(data, dict):
        return
    thema = data.get("thema")
    if isinstance(thema, str) and thema != path.stem:
        yield ("thema",), f"{thema!r} should equal the file name {path.stem!r}"
    ids: dict[str, _Loc] = {}  # ids are unique over all levels: they make the item keys
    for level in LEVELS:
        key = _level_key(level)
        items = data.get(key)
        if not isinstance(items, list):
            continue
        if len(items) < MIN_ITEMS:
            yield (key,), f"has {len(items)} items; at least {MIN_ITEMS} are needed"
        pictures: dict[str, _Loc] = {}
        answers = {"ja": 0, "nee": 0}
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            here = (key, index)
            item_id = item.get("id")
            if isinstance(item_id, str):
                if item_id in ids:
                    yield (*here, "id"), f"id {item_id!r} is also used at {_dotted(ids[item_id])}"
                else:
                    ids[item_id] = here
            picture = item.get("plaatje")
            if isinstance(picture, str):
                same = _same_picture(picture)
                if same in pictures:
                    other = _dotted(pictures[same])
                    yield (*here, "plaatje"), f"picture {picture} is also used at {other}"
                else:
                    pictures[same] = here
            if level == 2:
                yield from _sentence_problems(here, item)
            if level == 3:
                yield from _text_problems(here, item)
                if item.get("antwoord") in answers:
                    answers[item["antwoord"]] += 1
        if level == 3 and sum(answers.values()) >= MIN_ITEMS:
            least = math.ceil(sum(answers.values()) / 3)
            if min(answers.values()) < least:
                counts = f"{answers['ja']} ja and {answers['nee']} nee answers"
                yield (key,), f"{counts}; mix them about evenly (at least {least} of each)"


def _sentence_problems(here: _Loc, item: dict[str, Any]) -> Iterator[tuple[_Loc, str]]:
    sentence, gap, wrong = item.get("zin"), item.get("gat"), item.get("fout")
    if not isinstance(sentence, str):
        return
    words = _words(sentence)
    low, high = SENTENCE_WORDS
    if not low <= len(words) <= high:
        yield (*here, "zin"), f"has {len(words)} words; use {low}-{high}"
    if isinstance(gap, str):
        times = words.count(gap)
        if times == 0:
            yield (*here, "gat"), f"{gap!r} does not occur in the sentence"
        elif times > 1:
            yield (*here, "gat"), f"{gap!r} occurs {times} times in the sentence; choose one"
    if isinstance(wrong, list):
        lower = {word.lower() for word in words}
        for index, choice in enumerate(wrong):
            if not isinstance(choice, str):
                continue
            if isinstance(gap, str) and choice.lower() == gap.lower():
                yield (*here, "fout", index), f"{choice!r} is the gap word itself"
            elif choice.lower() in lower:
                yield (*here, "fout", index), f"{choice!r} occurs in the sentence"


def _text_problems(here: _Loc, item: dict[str, Any]) -> Iterator[tuple[_Loc, str]]:
    text, question = item.get("tekst"), item.get("vraag")
    if isinstance(text, str):
        sentences = _SENTENCE_END.split(" ".join(text.split()))
        low, high = TEXT_SENTENCES
        if not low <= len(sentences) <= high:
            yield (*here, "tekst"), f"has {len(sentences)} sentences; use {low}-{high}"
        for sentence in sentences:
            count = len(sentence.split())
            if count > TEXT_SENTENCE_WORDS:
                limit = f"at most {TEXT_SENTENCE_WORDS} a sentence"
                yield (*here, "tekst"), f"{sentence!r} has {count} words; {limit}"
    if isinstance(question, str) and len(question.split()) > QUESTION_WORDS:
        yield (*here, "vraag"), f"has {len(question.split())} words; at most {QUESTION_WORDS}"


# --- building ----------------------------------------------------------------------------


def _clean(value: Any) -> str:
    """A plain str with single spaces (ruamel may hand back str subclasses, folded lines)."""
    return " ".join(str(value).split())


def _build(data: dict[str, Any]) -> Theme:
    theme_id = _clean(data["thema"])
    theme_picture = _clean(data["plaatje"])
    items: dict[int, tuple[Item, ...]] = {}
    for level in LEVELS:
        built = []
        for entry in data[_level_key(level)]:
            key = f"{theme_id}.{_clean(entry['id'])}"
            if level == 1:
                article = entry.get("lidwoord")
                item = Item(
                    key,
                    theme_id,
                    level,
                    _clean(entry["plaatje"]),
                    word=_clean(entry["woord"]),
                    article=_clean(article) if article else None,
                )
            elif level == 2:
                item = Item(
                    key,
                    theme_id,
                    level,
                    _clean(entry["plaatje"]),
                    sentence=_clean(entry["zin"]),
                    gap=_clean(entry["gat"]),
                    wrong=tuple(_clean(word) for word in entry["fout"]),
                )
            else:
                item = Item(
                    key,
                    theme_id,
                    level,
                    theme_picture,
                    text=_clean(entry["tekst"]),
                    question=_clean(entry["vraag"]),
                    answer=entry["antwoord"] == "ja",
                )
            built.append(item)
        items[level] = tuple(built)
    return Theme(
        id=theme_id,
        name=_clean(data["naam"]),
        picture=theme_picture,
        work=bool(data["werk"]),
        items=items,
    )
