"""Splitting and parsing SQL text with PostgreSQL's own grammar (pglast / libpg_query).

Texts come from people and from pg_stat_statements, so they may hold several statements,
`$1` placeholders, comments, or be cut off. Nothing here raises on bad SQL: a statement that
does not parse becomes a ParseFailure carrying the parser's message and position, so callers
can show it instead of a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass

from pglast import ast, parse_sql, scan, split
from pglast.parser import ParseError

_COMMENT_TOKENS = frozenset({"SQL_COMMENT", "C_COMMENT"})
_SEMICOLON, _OPEN, _CLOSE = "ASCII_59", "ASCII_40", "ASCII_41"


@dataclass(frozen=True)
class StatementText:
    """One statement's exact slice of the input (without the separating `;`)."""

    index: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Statement:
    """A parsed statement: its text slice and pglast's node (SelectStmt, InsertStmt, ...)."""

    index: int
    start: int
    text: str
    node: ast.Node


@dataclass(frozen=True)
class ParseFailure:
    """The parser's refusal. `position` is a 0-based character offset into the whole input."""

    message: str
    position: int | None
    text: str
    index: int = 0

    @property
    def maybe_truncated(self) -> bool:
        # pg_stat_statements and log excerpts sometimes cut long texts: the parser then runs
        # out of input rather than meeting a wrong token.
        return "end of input" in self.message or "unterminated" in self.message

    def describe(self) -> str:
        where = f" (at character {self.position + 1})" if self.position is not None else ""
        hint = "; the text may be truncated" if self.maybe_truncated else ""
        return f"could not parse: {self.message}{where}{hint}"


def error_position(exc: ParseError) -> int | None:
    """pglast's ParseError carries (message, character offset or None) in its args."""
    return exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else None


def _failure(exc: ParseError, text: str, offset: int = 0, index: int = 0) -> ParseFailure:
    message = str(exc.args[0]) if exc.args else str(exc)
    pos = error_position(exc)
    return ParseFailure(message, None if pos is None else pos + offset, text, index)


def lex(sql: str) -> tuple[list, int | None]:
    """The lexer's tokens, and where an unterminated quote stopped it (None if it did not).

    Tokens before the stop are still returned, so a truncated text can be read up to there.
    Token ends are inclusive character offsets.
    """
    try:
        return list(scan(sql)), None
    except ParseError as exc:
        stop = error_position(exc) or 0
    try:
        return list(scan(sql[:stop])), stop
    except ParseError:
        return [], 0


def _scanner_pieces(sql: str) -> list[tuple[int, int]]:
    """(start, end) of each statement found by the lexer alone, for text that does not parse.

    libpg_query's own scanner split silently drops a piece that holds no keyword, which would
    hide exactly the broken statement we want to report; so we cut at top-level `;` tokens
    ourselves. An unterminated quote stops the lexer: the rest of the text is one last piece.
    """
    tokens, tail_from = lex(sql)
    pieces: list[tuple[int, int]] = []
    first = last = None
    depth = 0
    for tok in tokens:
        if tok.name == _SEMICOLON and depth == 0:
            if first is not None:
                pieces.append((first, last))
            first = last = None
            continue
        depth += {_OPEN: 1, _CLOSE: -1}.get(tok.name, 0)
        depth = max(depth, 0)
        if first is None and tok.name not in _COMMENT_TOKENS:
            first = tok.start
        if first is not None:
            last = tok.end + 1  # scanner ends are inclusive
    if tail_from is not None:
        pieces.append((tail_from if first is None else first, len(sql)))
    elif first is not None:
        pieces.append((first, last))
    return pieces


def split_statements(sql: str) -> list[StatementText]:
    """Cut text into statements where PostgreSQL would: a `;` inside a string, a comment, a
    dollar-quoted body or a BEGIN ATOMIC function body does not separate statements.

    Uses the parser when the whole text parses, otherwise the lexer, so that one broken
    statement does not hide the others. Empty statements and comment-only text yield nothing.
    """
    try:
        slices = [(s.start, s.stop) for s in split(sql, only_slices=True)]
    except ParseError:
        slices = _scanner_pieces(sql)
    return [StatementText(i, a, b, sql[a:b]) for i, (a, b) in enumerate(slices)]


def parse(sql: str) -> list[Statement | ParseFailure]:
    """Every statement of `sql`, each parsed on its own or a ParseFailure in its place.

    Each statement is parsed from its own slice, so node locations are offsets into
    `Statement.text` (add `Statement.start` for an offset into `sql`).
    """
    out: list[Statement | ParseFailure] = []
    for p in split_statements(sql):
        try:
            raw = parse_sql(p.text)
        except ParseError as exc:
            out.append(_failure(exc, p.text, p.start, p.index))
            continue
        if len(raw) == 1:
            out.append(Statement(p.index, p.start, p.text, raw[0].stmt))
        else:  # a lexer piece holding two statements cannot happen; never guess
            out.append(ParseFailure("not a single statement", p.start, p.text, p.index))
    return out


def parse_whole(sql: str) -> list[Statement] | ParseFailure:
    """All statements, or the parser's first complaint: for callers that refuse broken text."""
    try:
        parse_sql(sql)
    except ParseError as exc:
        return _failure(exc, sql)
    statements = parse(sql)
    failed = [s for s in statements if isinstance(s, ParseFailure)]
    return failed[0] if failed else statements  # type: ignore[return-value]
