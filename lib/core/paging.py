"""One page of a long list: big catalogs are searched, sorted and cut in SQL, never sent whole."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

PAGE_SIZE = 50


@dataclass(frozen=True)
class Page:
    rows: pd.DataFrame
    total: int  # rows matching the search, over all pages
    number: int  # 1-based
    size: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.size))

    @property
    def first(self) -> int:
        return (self.number - 1) * self.size + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.number * self.size, self.total)

    @classmethod
    def of(cls, frame: pd.DataFrame, number: int, size: int = PAGE_SIZE) -> Page:
        """From the rows of a query run with window(); its `total` column is count(*) OVER ()."""
        total = int(frame["total"].iloc[0]) if not frame.empty and "total" in frame else 0
        return cls(frame.drop(columns=["total"], errors="ignore"), total, max(1, int(number)), size)

    @classmethod
    def cut(cls, frame: pd.DataFrame, number: int, size: int = PAGE_SIZE) -> Page:
        """A page of a frame already in memory (a list computed in Python, e.g. duplicate indexes)."""
        number = max(1, int(number))
        start = (number - 1) * size
        return cls(frame.iloc[start:start + size].reset_index(drop=True), len(frame), number, size)


def window(number: int, size: int = PAGE_SIZE) -> dict[str, int]:
    """LIMIT/OFFSET parameters of page `number` (1-based)."""
    number = max(1, int(number))
    return {"limit": int(size), "offset": (number - 1) * int(size)}
