"""The catalogs follow docs/glossary.md: Chinese written as a native speaker writes it, one word for
each term, and English without "(s)" plurals."""

import re
from pathlib import Path

import pytest

from bot.texts import catalogs

GLOSSARY = Path(__file__).parents[2] / "docs" / "glossary.md"
CHINESE = r"[\u3400-\u9fff\u3000-\u303f\uff01-\uff5e“”‘’]"  # characters and full-width punctuation
PLACEHOLDER = r"\{[^{}]*\}"
# A link keeps its spaces: Telegram would take a Chinese character right after it for part of it.
VALUE = r"\{(?!link\})[^{}]*\}"
ASCII_COMMA = re.compile(rf"(?:{CHINESE}|{PLACEHOLDER}) *, *(?:{CHINESE}|{PLACEHOLDER})")
SPACED_PLACEHOLDER = re.compile(rf"{CHINESE}(?: {VALUE} ?|{VALUE} ){CHINESE}")


def ruled_out() -> dict[str, list[str]]:
    """The words in the glossary's "Not (中文)" and "Not (English)" columns."""
    words: dict[str, list[str]] = {"zh-CN": [], "en": []}
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 5 or cells[0] in ("Term", "---"):
            continue
        words["zh-CN"] += [w for w in cells[3].split("、") if w]
        words["en"] += [w.strip() for w in cells[4].split(",") if w.strip()]
    return words


def texts(language: str) -> dict[str, str]:
    return catalogs().messages[language]


def test_the_glossary_rules_words_out() -> None:
    words = ruled_out()
    assert {"协调员", "团队", "您", "召集"} <= set(words["zh-CN"])
    assert "waitlist" in words["en"]


def test_chinese_lists_are_not_joined_with_ascii_commas() -> None:
    found = {key: text for key, text in texts("zh-CN").items() if ASCII_COMMA.search(text)}
    assert not found


def test_no_spaces_around_a_value_between_chinese_characters() -> None:
    found = {
        key: SPACED_PLACEHOLDER.findall(text)
        for key, text in texts("zh-CN").items()
        if SPACED_PLACEHOLDER.search(text)
    }
    assert not found


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_no_word_the_glossary_rules_out(language: str) -> None:
    words = ruled_out()[language]
    found = {
        key: [
            word
            for word in words
            if (word in text if language == "zh-CN" else re.search(rf"\b{word}\b", text, re.I))
        ]
        for key, text in texts(language).items()
    }
    assert not {key: hits for key, hits in found.items() if hits}


def test_english_has_real_plurals() -> None:
    assert not [key for key, text in texts("en").items() if "(s)" in text]


def test_chat_code_joins_lists_in_the_users_language() -> None:
    """A list in a chat goes through `formatting.joined` (甲、乙和丙 / A, B and C)."""
    root = Path(__file__).parents[2]
    joined_by_hand = re.compile(r"""["'](?:, |、|，)["']\.join\(""")
    found = [
        f"{path.relative_to(root)}:{number}"
        for folder in ("handlers", "scheduler")
        for path in sorted((root / folder).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if joined_by_hand.search(line)
    ]
    assert not found
