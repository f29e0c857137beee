"""The transcripts in docs/ run green with `volbot sandbox --script`, on both frameworks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
TRANSCRIPTS = sorted((ROOT / "docs" / "transcripts").glob("*.yaml"))


def play(path: Path, framework: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "sandbox",
            "--script",
            str(path),
            "--framework",
            framework,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,  # no .env of the developer's is read
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )


@pytest.mark.parametrize("framework", ["ptb", "aiogram"])
@pytest.mark.parametrize("path", TRANSCRIPTS, ids=[p.stem for p in TRANSCRIPTS])
def test_transcript_plays_green(path: Path, framework: str, tmp_path: Path) -> None:
    result = play(path, framework, tmp_path)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines and all("user" in line for line in lines)


def test_a_failing_expect_exits_non_zero(tmp_path: Path) -> None:
    script = tmp_path / "bad.yaml"
    script.write_text(
        "users: {bob: {id: 7}}\nsteps:\n  - {user: bob, send: /start}\n  - expect: 'no such text'\n"
    )
    result = play(script, "ptb", tmp_path)
    assert result.returncode == 1
    assert json.loads(result.stderr.strip().splitlines()[-1])["failed"]["step"] == 2
