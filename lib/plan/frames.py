"""Undo what psql and other clients put around a plan: borders, expanded records, quotes.

The result keeps each surviving line's 1-based number in the pasted text, so that a later
parse error can point at the line the person sees.
"""

import re
from dataclasses import dataclass

VBARS = "|│║┃"
DASHES = "-─═━"
BOX = set(DASHES + VBARS + "+┼╪╫╬┿┌┐└┘├┤╔╗╚╝╠╣╟╢╞╡┬┴╤╧╦╩╥╨╒╕╘╛╓╖╙╜")
BOX_CHARS = "".join(sorted(BOX))
# "-[ RECORD 1 ]---", "┌─[ RECORD 1 ]──┐" and, with border 0, "* Record 1"
RECORD_RE = re.compile(r"^(\W*[-─═━]\[ RECORD \d+ \]|\* Record \d+\s*$)")
# psql footers in any language: "(9 rows)", "(1 ligne)", "(3 Zeilen)"
FOOTER_RE = re.compile(r"^\s*\(\d+ [^\W\d_]+\)\s*$")
# a multi-line cell's continuation marks at the right edge (aligned: "+", unicode: "↵")
WRAP_MARKS = ("+", "↵")


@dataclass(slots=True)
class Line:
    no: int  # 1-based, in the pasted text
    text: str


def is_separator(text: str) -> bool:
    if not text or text[-1] not in BOX:  # most lines end in ")" or a word: no strip needed
        return False
    if not text[0].isspace() and text[1:2] not in BOX:  # a framed row: "│ Seq Scan ... │"
        return False
    s = text.strip()
    if len(s) < 3 or s[0] not in BOX or s[-1] not in BOX:
        return False
    # nothing left once box characters are stripped: all are (a set of a long line's characters was slow)
    return not s.lstrip(BOX_CHARS) and sum(c in DASHES for c in s) >= 3


def is_footer(text: str) -> bool:
    return bool(FOOTER_RE.match(text))


def split_lines(text: str) -> list[Line]:
    text = text.lstrip("\ufeff")
    # copied from a web page, indentation comes as no-break spaces
    text = text.replace("\xa0", " ").replace("\u202f", " ").replace("\u2007", " ")
    raw = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if "\t" in text:
        raw = [s.expandtabs(8) if "\t" in s else s for s in raw]
    return [Line(i, s.rstrip()) for i, s in enumerate(raw, 1)]


def strip_frames(text: str) -> list[Line]:
    """Lines of the plan with borders, record headers and client quoting removed."""
    lines = split_lines(text)
    lines = _unquote(lines)
    # the whole text first: a plan of 30,000 lines is not searched line by line for what it lacks
    if ("RECORD" in text or "Record" in text) and any(("[ RECORD " in ln.text or "* Record " in ln.text) and RECORD_RE.match(ln.text) for ln in lines):
        lines = _expanded(lines)
    lines = _strip_borders(lines)
    return _join_psql_wraps(lines)


def filled(lines: list[Line]) -> list[str]:
    """The texts that carry content: not blank, not a border."""
    # is_separator's own first test inline: called for every line of a large plan, the call cost most
    return [t for ln in lines if (t := ln.text) and not t.isspace() and (t[-1] not in BOX or not is_separator(t))]


def majority(texts: list[str], test) -> bool:
    """At least 80% of `texts` pass `test`; stops as soon as too many have failed."""
    if not texts:
        return False
    misses_allowed = len(texts) - 0.8 * len(texts)
    misses = 0
    for t in texts:
        if not test(t):
            misses += 1
            if misses > misses_allowed:
                return False
    return True


def _unquote(lines: list[Line]) -> list[Line]:
    """pgAdmin and CSV exports wrap each row in quotes: 'Sort ...' or "Sort ..." ."""
    body = filled(lines)
    if not body:
        return lines
    for q in ("'", '"'):
        both = majority(body, lambda s, q=q: len(s) > 1 and s.startswith(q) and s.endswith(q))
        tail = majority(body, lambda s, q=q: s.endswith(q))
        if both:
            return [Line(ln.no, _drop_quotes(ln.text, q, lead=True)) for ln in lines]
        if tail and q == '"':
            return [Line(ln.no, _drop_quotes(ln.text, q, lead=False)) for ln in lines]
    return lines


def _drop_quotes(s: str, q: str, lead: bool) -> str:
    if s.endswith(q):
        s = s[:-1]
    if lead and s.startswith(q):
        s = s[1:]
        if q == '"':  # CSV doubles the quotes inside a quoted field
            s = s.replace('""', '"')
    return s


def _expanded(lines: list[Line]) -> list[Line]:
    """psql \\x: '-[ RECORD 1 ]---' then 'QUERY PLAN | value' and '           | more'."""
    cut = None
    out = []
    for ln in lines:
        if RECORD_RE.match(ln.text) or is_separator(ln.text):
            continue
        if cut is None and ln.text.strip():
            cut = _value_column(ln.text)
        if cut is None:
            continue
        value = ln.text[cut:] if len(ln.text) > cut else ""
        if value[:1] in VBARS:  # a border-2 record starts with "| "
            value = value[1:]
        out.append(Line(ln.no, value.rstrip().rstrip(VBARS).rstrip()))
    return out


def _value_column(text: str) -> int:
    """Where the value starts on the first line of an expanded record."""
    start = 1 if text[:1] in VBARS else 0
    for i in range(start, len(text)):
        if text[i] in VBARS:
            return i + 2
    # border 0 has no bar: the label is one word, or psql's usual "QUERY PLAN"
    label = re.match(r"\s*(QUERY PLAN|\S+) ", text[start:])
    return start + (label.end() if label else 0)


def _strip_borders(lines: list[Line]) -> list[Line]:
    texts = filled(lines)
    left = majority(texts, lambda s: s[:1] in VBARS)
    right = majority(texts, lambda s: s[-1:] in VBARS)
    if not (left or right):
        return lines
    out = []
    for ln in lines:
        s = ln.text
        start, end = 0, len(s)
        if not is_separator(s):  # the row between its bars, cut once: framed rows are long
            if left and s[:1] in VBARS:
                start = 2 if s[1:2] == " " else 1
            if right and s[-1:] in VBARS:
                end -= 1
        out.append(Line(ln.no, s[start:end].rstrip()))
    return out


def drop_wrap_marks(lines: list[Line]) -> list[Line]:
    """Remove psql's continuation marks of a multi-line cell (used for JSON plans)."""
    return [Line(ln.no, ln.text[:-1].rstrip() if ln.text.endswith(WRAP_MARKS) else ln.text) for ln in lines]


def _join_psql_wraps(lines: list[Line]) -> list[Line]:
    """psql's wrapped format cuts long lines at the screen width and marks both sides of the
    cut: "…" (unicode) or "." (ascii) at the end, and again in the frame column of the next
    line. A "." alone is ambiguous (0.5 may be cut after "0."), so it counts only when nearly
    every full-width line carries it."""
    if not any(ln.text.endswith(("…", ".")) for ln in lines):
        return lines  # no line ends with a mark: nothing was cut
    width = max((len(ln.text) for ln in lines if not is_separator(ln.text)), default=0)
    full = [ln for ln in lines if len(ln.text) == width]
    marks = ["…"]
    if full and sum(ln.text.endswith(".") for ln in full) >= 0.8 * len(full) and len(full) > 1:
        marks.append(".")
    elif not any(ln.text.endswith("…") for ln in lines):
        return lines
    out: list[Line] = []
    joining = False
    for ln in lines:
        if joining and ln.text[:1] == out[-1].text[-1:]:
            out[-1] = Line(out[-1].no, out[-1].text[:-1] + ln.text[1:])
        else:
            out.append(ln)
        last = out[-1].text
        joining = bool(last) and last[-1] in marks and (last[-1] == "…" or len(ln.text) == width)
    return out
