"""The README stays true: every CLI command and every threshold is documented."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

from lib.cli import build_parser
from lib.core.config import Thresholds

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_every_cli_command_is_documented():
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    for command in sub.choices:
        assert f"python -m lib {command}" in README, f"README does not document `python -m lib {command}`"


def test_every_threshold_is_documented():
    for f in fields(Thresholds):
        assert f"`{f.name}`" in README, f"README does not document threshold {f.name}"


def test_readme_opens_with_the_two_commands():
    assert "pip install -r requirements.txt && streamlit run app.py" in README
    assert "pip install -r requirements-dev.txt && python -m pytest" in README
    ci = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text()
    assert "pip install -r requirements-dev.txt && python -m pytest" in ci
