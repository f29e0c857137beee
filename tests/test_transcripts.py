"""The transcripts in docs/ play green on both frameworks (in-process: a bot started in this
process takes about a second, a `volbot sandbox --script` process several); the command itself
is run once, for its exit status and failed line."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.local.cli import run_sandbox
from bot.local.transcript import Transcript
from bot.settings import Settings
from tests.bot.test_script_player import play

ROOT = Path(__file__).parents[1]
TRANSCRIPTS = sorted((ROOT / "docs" / "transcripts").glob("*.yaml"))


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=[p.stem for p in TRANSCRIPTS])
async def test_transcript_plays_green(path: Path, framework: str, sqlite_url: str) -> None:
    played = await play(sqlite_url, framework, Transcript.load(path))
    assert (played.code, played.failed) == (0, None)
    assert played.lines and all("user" in line or "chat" in line for line in played.lines)


def test_a_failing_expect_exits_non_zero(tmp_path: Path) -> None:
    script = tmp_path / "bad.yaml"
    script.write_text(
        "users: {bob: {id: 7}}\nsteps:\n  - {user: bob, send: /start}\n  - expect: 'no such text'\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "sandbox", "--script", str(script)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,  # no .env of the developer's is read
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 1
    failed = json.loads(result.stderr.strip().splitlines()[-1])["failed"]
    assert (failed["step"], failed["expect"]) == (2, "no such text")
    assert [json.loads(line)["user"] for line in result.stdout.splitlines()] == ["bob"]


def test_a_malformed_transcript_exits_2_with_a_failed_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "bad.yaml"
    script.write_text("users: {bob: {id: 7}}\nsteps:\n  - {user: alice, send: /start}\n")
    args = argparse.Namespace(script=script, framework=None)
    assert run_sandbox(Settings(_env_file=None), args) == 2  # type: ignore[call-arg]
    failed = json.loads(capsys.readouterr().err.strip())["failed"]
    assert "unknown user 'alice'" in failed["malformed"]
