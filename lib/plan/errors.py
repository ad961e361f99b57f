"""The one error the plan parser raises."""


class PlanParseError(ValueError):
    """The input is not a plan we can read; `line` is 1-based in the text as given."""

    def __init__(self, message: str, line: int):
        super().__init__(f"line {line}: {message}")
        self.message = message
        self.line = line
