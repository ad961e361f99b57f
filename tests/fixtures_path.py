"""Where the shared test fixtures live: in a `shared/` folder beside the repository.

In CI the repository is cloned next to `shared/` (<clone>/../shared); a git worktree sits one
level deeper, so the first ancestor of the repository that holds shared/fixtures wins.
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _shared() -> Path:
    for folder in REPO.parents:
        if (folder / "shared" / "fixtures").is_dir():
            return folder / "shared"
    return REPO.parent / "shared"  # where CI puts it; tests then fail with a clear missing path


SHARED = _shared()
FIXTURES = SHARED / "fixtures"
PLANS = FIXTURES / "plans"
PEV2 = PLANS / "pev2"


def pev2_files(folder: str, suffix: str) -> list[Path]:
    """Fixture files of one PEV2 folder ending with `suffix`, sorted; fails loudly when none."""
    files = sorted(p for p in (PEV2 / folder).iterdir() if p.name.endswith(suffix))
    assert files, f"no {suffix} fixtures in {PEV2 / folder}"
    return files
