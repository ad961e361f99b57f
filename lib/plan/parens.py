"""Count parentheses (and brackets) in SQL text, skipping quoted strings and identifiers."""


def scan(text: str, depth: int = 0, quote: str = "", stop_at_zero: bool = False) -> tuple[int, str, int | None]:
    """Walk `text` from an open-parentheses `depth` and open `quote` ("" when none).

    Returns the depth and quote at the end, and with stop_at_zero the index just past the
    ")" that brought the depth back to 0 (None when it never did).
    """
    for i, c in enumerate(text):
        if quote:
            if c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if stop_at_zero and depth == 0:
                return depth, quote, i + 1
    return depth, quote, None
