"""`scripts/no-personal-data`, which `make test` runs on the run's logs, finds phone and ID
numbers (in any log file below the folder) and lets ids and times pass."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).parents[1] / "scripts" / "no-personal-data"
CLEAN = (
    '{"ts": "2026-11-23T10:00:00.000+00:00", "msg": "update 7000001 from user 123456789"}\n'
    "chat -1001234567890, 1732356000000 ms, user [phone] [id]\n"
)


def search(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), str(folder)], capture_output=True, text=True, check=False
    )


def test_clean_logs_pass(tmp_path: Path) -> None:
    (tmp_path / "pytest-gw0.log").write_text(CLEAN)
    result = search(tmp_path)
    assert result.returncode == 0, result.stdout
    assert "1 log files" in result.stdout and "0 lines" in result.stdout


def test_a_phone_or_an_id_number_anywhere_fails(tmp_path: Path) -> None:
    (tmp_path / "pytest-gw0.log").write_text(CLEAN)
    nested = tmp_path / "bots"
    nested.mkdir()
    (nested / "bot-a.log").write_text(
        "registered +86 138 0013 8000\nid 35020319900101123X\n"
        "DEBUG typed 350203 19900101 123X\nDEBUG 手机１３８００１３８０００\n"
        "DEBUG 1 3 8 0 0 1 3 8 0 0 0\n",
        encoding="utf-8",
    )
    result = search(tmp_path)
    assert result.returncode == 1
    assert "bot-a.log:1: a phone" in result.stdout
    assert "bot-a.log:2: a ID number" in result.stdout
    assert "bot-a.log:3: a ID number" in result.stdout
    assert "bot-a.log:4: a phone" in result.stdout
    assert "bot-a.log:5: a phone" in result.stdout


def test_no_logs_at_all_fails(tmp_path: Path) -> None:
    """An empty folder means the logs were not written where they were looked for."""
    assert search(tmp_path).returncode == 1
