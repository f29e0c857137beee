"""Data flows one way: conversations and rules never import a Telegram framework."""

import re
from pathlib import Path

ROOT = Path(__file__).parents[1]
FRAMEWORK_IMPORT = re.compile(r"^(import|from) (telegram|aiogram)", re.MULTILINE)


def test_handlers_models_and_scheduler_do_not_import_telegram_frameworks() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("handlers", "models", "scheduler")
        for path in (ROOT / folder).rglob("*.py")
        if FRAMEWORK_IMPORT.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_check_would_see_a_framework_import() -> None:
    assert FRAMEWORK_IMPORT.search("x = 1\nfrom telegram import Update\n")
