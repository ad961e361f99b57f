"""May this user-supplied text be EXPLAINed, and what must the user confirm first?

Decided from the parse tree before anything reaches the server:
- exactly one statement, and one EXPLAIN accepts as plannable: SELECT (VALUES, TABLE),
  INSERT, UPDATE, DELETE, MERGE. Everything else is refused: transaction control (it would
  end pgpulse's rollback-only transaction), COPY, DO, SET/RESET (roles and settings outlive
  the statement), CALL, LISTEN/NOTIFY, VACUUM, LOCK, PREPARE/EXECUTE, EXPLAIN, DDL, SELECT INTO.
- data changes, also inside a WITH, and row locks (SELECT ... FOR UPDATE) cannot run in a READ
  ONLY transaction: they need the user's explicit "allow data changes (rolled back)".
- known functions whose effects escape the rollback (lib.sqltext.sidefx) need confirmation.

Defence in depth for the caller: run `verdict.statement` (the parser's own slice of the text)
right after the EXPLAIN options, with nothing appended on the same line, inside a transaction
that is always rolled back, with a statement timeout.
"""

from __future__ import annotations

from dataclasses import dataclass

from pglast import ast

from lib.sqltext.names import func_display
from lib.sqltext.parse import ParseFailure, lex, parse_whole
from lib.sqltext.sidefx import WARNING, SideEffect, side_effect
from lib.sqltext.walk import walk

ALLOWED, CONFIRM, REFUSED = "allowed", "confirm", "refused"
_COMMENTS = ("SQL_COMMENT", "C_COMMENT")

_PLANNABLE = {
    ast.SelectStmt: "select",
    ast.InsertStmt: "insert",
    ast.UpdateStmt: "update",
    ast.DeleteStmt: "delete",
    ast.MergeStmt: "merge",
}
_WRITES = (ast.InsertStmt, ast.UpdateStmt, ast.DeleteStmt, ast.MergeStmt)

# Refused statements: kind, and why (the generic "utility" covers DDL and the rest).
_REFUSED = {
    ast.TransactionStmt: ("transaction", "transaction control would end the rolled-back transaction EXPLAIN runs in"),
    ast.CopyStmt: ("copy", "COPY reads or writes files and streams, not a plannable query"),
    ast.DoStmt: ("do", "a DO block runs arbitrary procedural code"),
    ast.VariableSetStmt: ("set", "SET and RESET change the session (settings and roles outlive the statement)"),
    ast.CallStmt: ("call", "CALL runs a procedure, which may commit"),
    ast.ListenStmt: ("listen", "LISTEN changes the session"),
    ast.UnlistenStmt: ("unlisten", "UNLISTEN changes the session"),
    ast.NotifyStmt: ("notify", "NOTIFY signals other sessions"),
    ast.VacuumStmt: ("vacuum", "VACUUM and ANALYZE are maintenance, not queries"),
    ast.LockStmt: ("lock", "LOCK takes table locks that block other sessions"),
    ast.PrepareStmt: ("prepare", "PREPARE changes the session; give the query itself"),
    ast.ExecuteStmt: ("execute", "EXECUTE runs a prepared statement this check cannot see"),
    ast.DeallocateStmt: ("deallocate", "DEALLOCATE changes the session"),
    ast.ExplainStmt: ("explain", "the text is already an EXPLAIN; give the query alone"),
}


@dataclass(frozen=True)
class SafetyVerdict:
    status: str  # allowed | confirm | refused
    reason: str  # one sentence for the user
    kind: str | None = None  # select, insert, update, delete, merge, transaction, copy, set, utility, ...
    statement: str | None = None  # the one statement's exact text, to put after EXPLAIN (...)
    modifies_data: bool = False
    row_locks: bool = False
    functions: tuple[str, ...] = ()  # every function called, as written (schema kept)
    side_effects: tuple[SideEffect, ...] = ()
    placeholders: tuple[int, ...] = ()  # $n numbers: EXPLAIN (GENERIC_PLAN) or values needed
    error_position: int | None = None  # 0-based character offset, for parse errors
    notes: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.status == ALLOWED

    @property
    def refused(self) -> bool:
        return self.status == REFUSED

    @property
    def needs_confirmation(self) -> bool:
        return self.status == CONFIRM


def _command_words(text: str) -> str:
    """'CREATE TABLE', 'DROP INDEX'...: the statement's leading keywords, read by the lexer."""
    words = []
    for tok in lex(text)[0]:
        if tok.name in _COMMENTS:
            continue
        word = text[tok.start : tok.end + 1].upper()
        if tok.kind == "NO_KEYWORD" or len(words) == 3 or word in ("ON", "IF", "AS", "TO", "FROM"):
            break
        words.append(word)
    return " ".join(words) or "this statement"


def _without_trailing_comments(text: str) -> str:
    """The statement up to its last real token, so a trailing `-- ...` cannot swallow what a
    caller appends after it."""
    tokens, stop = lex(text)
    tokens = [t for t in tokens if t.name not in _COMMENTS]
    return text[: tokens[-1].end + 1] if tokens and stop is None else text


def _refusal(node: ast.Node, text: str) -> SafetyVerdict | None:
    if isinstance(node, ast.SelectStmt) and node.intoClause is not None:
        return SafetyVerdict(REFUSED, "SELECT INTO creates a table; select without INTO", "select_into", text)
    if type(node) in _PLANNABLE:
        return None
    kind, why = _REFUSED.get(type(node), ("utility", f"{_command_words(text)} is a utility or DDL statement, not a query"))
    if isinstance(node, ast.CopyStmt) and node.is_program:
        why = "COPY ... PROGRAM runs a shell command on the database server"
    if isinstance(node, ast.VariableSetStmt) and node.name in ("role", "session_authorization"):
        why = "SET ROLE / SESSION AUTHORIZATION changes who the session acts as"
    return SafetyVerdict(REFUSED, why, kind, text)


def analyze_for_explain(sql: str) -> SafetyVerdict:
    """The verdict on one piece of user text; never raises on bad SQL."""
    parsed = parse_whole(sql)
    if isinstance(parsed, ParseFailure):
        return SafetyVerdict(REFUSED, parsed.describe(), error_position=parsed.position,
                             placeholders=tuple(placeholders(sql)))
    if not parsed:
        return SafetyVerdict(REFUSED, "there is no statement (the text is empty or only comments)")
    if len(parsed) > 1:
        return SafetyVerdict(REFUSED, f"the text holds {len(parsed)} statements; EXPLAIN takes exactly one",
                             "multiple")
    stmt = parsed[0]
    text = _without_trailing_comments(stmt.text)
    return _refusal(stmt.node, text) or _inspect(stmt.node, text)


def _inspect(node: ast.Node, text: str) -> SafetyVerdict:
    kind = _PLANNABLE[type(node)]
    modifies = row_locks = False
    functions: list[str] = []
    effects: list[SideEffect] = []
    params: set[int] = set()
    for v in walk(node):
        n = v.node
        if isinstance(n, _WRITES):
            modifies = True
        elif isinstance(n, ast.LockingClause):
            row_locks = True
        elif isinstance(n, ast.ParamRef):
            params.add(n.number)
        elif isinstance(n, ast.FuncCall):
            functions.append(func_display(n))
            effect = side_effect(n)
            if effect and effect not in effects:
                effects.append(effect)
    reasons = []
    if modifies:
        where = "" if isinstance(node, _WRITES) else " (a data-modifying WITH)"
        reasons.append(f"it changes data{where}: allow data changes to run it, rolled back")
    if row_locks:
        reasons.append("it takes row locks (FOR UPDATE/SHARE), which a READ ONLY transaction refuses")
    reasons += [f"{e.function}() {e.why}" for e in effects if e.level == WARNING]
    notes = []
    if isinstance(node, ast.InsertStmt | ast.MergeStmt):
        notes.append("column defaults run too: a serial or identity default calls nextval(), which is not rolled back")
    if modifies:
        notes.append("triggers on the written tables run as well")
    status = CONFIRM if reasons else ALLOWED
    reason = "; ".join(reasons) if reasons else f"read-only {kind.upper()}: runs READ ONLY and is rolled back"
    return SafetyVerdict(
        status, reason, kind, text, modifies, row_locks, tuple(dict.fromkeys(functions)), tuple(effects),
        tuple(sorted(params)), notes=tuple(notes),
    )


def placeholders(sql: str) -> list[int]:
    """Sorted distinct `$n` numbers; read by the lexer, so truncated text still answers."""
    tokens, _ = lex(sql)
    return sorted({int(sql[t.start + 1 : t.end + 1]) for t in tokens if t.name == "PARAM"})
