"""What the confirmation shows before anything runs: exact SQL, lock, object size, expected effect,
and whether it may run at all (read on the pool; nothing is changed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lib.core.errors import describe
from lib.core.findings import Action
from lib.maintenance import figures
from lib.maintenance.hooks import history_hook
from lib.maintenance.precheck import Refused, conflicts, resolve
from lib.maintenance.reader import Reader
from lib.maintenance.runner import disabled_reason
from lib.maintenance.target import TYPED_KINDS

# Actions confirmed by typing the object's name, and what that name is.
TYPED = {kind: f"the {what} name" for kind, what in TYPED_KINDS.items()}
WARNINGS = {"enable_rls": "Clients lose access: once row-level security is on, anon and authenticated (every API "
                          "client) read and change only what a policy allows, so with no policy for them, nothing "
                          "at all. Create the policies first, or right after."}


@dataclass(frozen=True)
class Preview:
    action: Action
    target: str
    size_bytes: int | None = None
    size_label: str = "Size"
    effect: str = ""
    before: dict[str, Any] = field(default_factory=dict)
    refusal: str | None = None  # why this action cannot run (object gone, privilege...)
    disabled: str | None = None  # why no action can run on this database
    notes: tuple[str, ...] = ()

    @property
    def can_run(self) -> bool:
        return self.refusal is None and self.disabled is None

    @property
    def needs_typed_name(self) -> bool:
        return self.action.kind in TYPED

    @property
    def typed_what(self) -> str:
        """What the user types to confirm, in words ("the index name")."""
        return TYPED.get(self.action.kind, "")

    @property
    def warning(self) -> str | None:
        return WARNINGS.get(self.action.kind)


def preview(db, action: Action) -> Preview:
    display = f"{action.target_schema}.{action.target_name}" if action.target_schema else action.target_name
    disabled = disabled_reason(db, action.kind)
    try:
        reader = Reader(db)
        resolved = resolve(reader, action, db.capabilities)
        conflicts(resolved)
        before = figures.capture(reader, resolved)
    except Refused as exc:
        return Preview(action, display, refusal=str(exc), disabled=disabled)
    except Exception as exc:  # noqa: BLE001 - the dialog shows the sentence
        return Preview(action, display, refusal=describe(exc, db.config.display).line(), disabled=disabled)
    notes = []
    if action.kind == "reset_statements":
        notes.append("A statistics snapshot is taken first (history), so the figures are kept there."
                     if history_hook() else
                     "pgpulse keeps no statistics history here: nothing saves what the reset throws away.")
    label, size = figures.size_of(resolved, before)
    return Preview(action, resolved.target.display, size, label, figures.effect(resolved, before), before, None,
                   disabled, tuple(notes))
