"""Data flows one way: each part of the bot imports only the parts below it.

The forbidden directions are those of ../shared/ARCHITECTURE.md. Every import is read from the
source (module level and inside functions alike), so a lazy import cannot slip past.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]

# part → the top-level packages it must never import.
FORBIDDEN: dict[str, frozenset[str]] = {
    "handlers": frozenset({"bot", "telegram", "aiogram"}),
    "models": frozenset({"handlers", "bot", "scheduler", "telegram", "aiogram"}),
    "scheduler": frozenset({"bot", "telegram", "aiogram"}),
    "sandbox": frozenset({"handlers", "models", "scheduler"}),
}


def imported_packages(source: str) -> set[str]:
    """The top-level packages a module's source imports (absolute imports only: a relative
    import stays inside its own package)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def violations(root: Path) -> list[str]:
    """`path: part → package` for every forbidden import under `root`."""
    found = []
    for part, forbidden in FORBIDDEN.items():
        for path in sorted((root / part).rglob("*.py")):
            for package in sorted(imported_packages(path.read_text(encoding="utf-8")) & forbidden):
                found.append(f"{path.relative_to(root)}: {part} → {package}")
    return found


def test_no_part_imports_a_part_it_must_not() -> None:
    assert violations(ROOT) == []


@pytest.mark.parametrize(
    ("part", "line"),
    [
        ("handlers", "from bot.settings import Settings"),
        ("handlers", "import telegram"),
        ("models", "from handlers.context import Context"),
        ("models", "from bot import app"),
        ("models", "import scheduler.jobs"),
        ("models", "from aiogram import Bot"),
        ("scheduler", "from bot.dispatcher import Dispatcher"),
        ("scheduler", "from telegram.ext import Application"),
        ("sandbox", "from models.db import create_engine"),
        ("sandbox", "from handlers import root_router"),
        ("sandbox", "from scheduler.jobs import Jobs"),
    ],
)
def test_the_check_sees_each_forbidden_direction(tmp_path: Path, part: str, line: str) -> None:
    module = tmp_path / part / "journey" / "rules.py"
    module.parent.mkdir(parents=True)
    # A lazy import, inside a function, counts as much as one at the top.
    module.write_text(f"def later() -> None:\n    {line}\n", encoding="utf-8")
    [found] = violations(tmp_path)
    assert found.startswith(f"{part}/journey/rules.py: {part} → ")


def test_allowed_directions_pass(tmp_path: Path) -> None:
    for part, line in [
        ("handlers", "from models.errors import Conflict"),
        ("scheduler", "from handlers.events import SendMessage"),
        ("models", "from .tables import Team"),
        ("sandbox", "from sandbox.world import World"),
    ]:
        module = tmp_path / part / "ok.py"
        module.parent.mkdir(parents=True, exist_ok=True)
        module.write_text(line + "\n", encoding="utf-8")
    assert violations(tmp_path) == []
