"""What the package says of itself, each in one place: its version (pyproject.toml, read through
the installed metadata wherever it is shown), its MIT licence (LICENSE) and the time-zone data
it brings along, so that TIMEZONE works on a machine without the system's zone files."""

from __future__ import annotations

import importlib.metadata
import tomllib
import zoneinfo
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import version
from bot.cli import main

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_the_version_shown_is_the_one_in_pyproject(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])

    assert done.value.code == 0
    assert capsys.readouterr().out == f"volbot {PROJECT['version']}\n"
    assert version() == importlib.metadata.version("volbot") == PROJECT["version"]


def test_the_licence_file_is_the_mit_licence_pyproject_declares() -> None:
    licence = (ROOT / "LICENSE").read_text()

    assert licence.startswith("MIT License\n\nCopyright (c) ")
    assert "volbot contributors" in licence.splitlines()[2]
    assert PROJECT["license"] == {"text": "MIT"}
    assert "License :: OSI Approved :: MIT License" in PROJECT["classifiers"]


@pytest.fixture
def no_system_zones() -> Iterator[None]:
    """A machine without /usr/share/zoneinfo (a slim container, Windows)."""
    zoneinfo.reset_tzpath(to=[])
    try:
        yield
    finally:
        zoneinfo.reset_tzpath()


@pytest.mark.usefixtures("no_system_zones")
def test_zones_work_without_the_systems_zone_files() -> None:
    assert any(dependency.startswith("tzdata") for dependency in PROJECT["dependencies"])
    assert zoneinfo.ZoneInfo.no_cache("Asia/Shanghai").key == "Asia/Shanghai"
