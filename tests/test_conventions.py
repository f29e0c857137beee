"""Conventions a reviewer would otherwise have to remember:

- no handler or job reads a button's arguments by hand: every kind of button is a typed class
  (`handlers.callbacks.Button`) that the router parses before the handler runs;
- no state is a quoted string outside its enum: statuses and kinds are `StrEnum` members, and the
  schema's check constraints are generated from the same enums.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from models import Base
from models.base import EnumText

ROOT = Path(__file__).parents[1]
CODE = ("handlers", "models", "scheduler")
# Where a press is unpacked into its arguments, once, for every handler.
BUTTON_PLUMBING = {Path("handlers/callbacks.py"), Path("handlers/router.py")}
HAND_PARSING = re.compile(r"\bpress\.args\b|\.args\[|\.unpack\(|split\((SEPARATOR|\"\|\")")
STATE_NAMES = {"status", "state", "kind", "role"}


def _sources(*parts: str) -> Iterator[tuple[Path, str]]:
    for part in parts:
        for path in sorted((ROOT / part).rglob("*.py")):
            yield path.relative_to(ROOT), path.read_text(encoding="utf-8")


def test_no_button_argument_is_parsed_by_hand() -> None:
    found = [
        f"{path}:{number}: {line.strip()}"
        for path, source in _sources("handlers", "scheduler")
        if path not in BUTTON_PLUMBING
        for number, line in enumerate(source.splitlines(), 1)
        if HAND_PARSING.search(line)
    ]
    assert found == []


def state_values() -> set[str]:
    """Every value of every enum-valued column."""
    return {
        member.value
        for table in Base.metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, EnumText)
        for member in column.type.enum
    }


def quoted_states(source: str, values: set[str]) -> list[tuple[int, str]]:
    """(line, value) for each state written as a string: compared, assigned to or passed as a
    status/kind/role, listed for `in_`, or quoted inside SQL. Enum class bodies are skipped."""
    tree = ast.parse(source)
    enum_bodies = {
        id(node)
        for cls in ast.walk(tree)
        if isinstance(cls, ast.ClassDef)
        and any(isinstance(b, ast.Name) and b.id.endswith("Enum") for b in cls.bases)
        for node in ast.walk(cls)
    }
    sql_quoted = re.compile(r"'(" + "|".join(map(re.escape, sorted(values))) + r")'")
    found: list[tuple[int, str]] = []

    def flag(node: ast.AST) -> None:
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and node.value in values
            and id(node) not in enum_bodies
        ):
            found.append((node.lineno, node.value))

    for node in ast.walk(tree):
        if id(node) in enum_bodies:
            continue
        if isinstance(node, ast.Compare):
            for side in (node.left, *node.comparators):
                flag(side)
                if isinstance(side, ast.Tuple | ast.List | ast.Set):
                    for element in side.elts:
                        flag(element)
        elif isinstance(node, ast.keyword) and node.arg in STATE_NAMES | {"default"}:
            flag(node.value)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Attribute) and t.attr in STATE_NAMES for t in targets):
                if node.value is not None:
                    flag(node.value)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in {"in_", "not_in", "notin_"}:
                for arg in node.args:
                    for element in ast.walk(arg):
                        flag(element)
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and (match := sql_quoted.search(node.value))
        ):
            found.append((node.lineno, match.group(1)))
    return sorted(set(found))


def test_no_quoted_state_outside_the_enums() -> None:
    values = state_values()
    assert {"confirmed", "waiting", "pending", "sent", "cancelled"} <= values
    found = [
        f"{path}:{line}: {value!r}"
        for path, source in _sources(*CODE)
        for line, value in quoted_states(source, values)
    ]
    assert found == []


def test_the_state_check_sees_each_way_of_quoting_a_state() -> None:
    values = {"confirmed", "waiting"}
    source = """
if signup.status == "confirmed": pass
signup.status = "waiting"
select(Signup).where(Signup.status.in_(("confirmed", "waiting")))
text("UPDATE signups SET status = 'waiting'")
mark(session, status="confirmed")
class SignupStatus(StrEnum):
    CONFIRMED = "confirmed"
label = "confirmed"  # a word in a message is not a state
"""
    assert quoted_states(source, values) == [
        (2, "confirmed"),
        (3, "waiting"),
        (4, "confirmed"),
        (4, "waiting"),
        (5, "waiting"),
        (6, "confirmed"),
    ]
