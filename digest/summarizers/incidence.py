"""Binary sentences × features matrices as flat numpy arrays (no scipy on small stories)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values of an integer array, sorted: `np.unique` without its fixed cost,
    which on a small story is ten times that of the sort."""
    values = np.sort(values)
    keep = np.ones(len(values), dtype=bool)
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


@dataclass(frozen=True, slots=True)
class Incidence:
    """A binary sentences × features matrix, as its entries: sentence `rows[k]` holds feature
    `columns[k]`.

    Entries are sorted by column, then row; so each row's columns come in increasing order too,
    and a product sums every row's terms in that order, on a story of any size.
    """

    rows: np.ndarray
    columns: np.ndarray
    shape: tuple[int, int]

    @classmethod
    def of_keys(
        cls, rows: np.ndarray, keys: np.ndarray, height: int
    ) -> tuple[Incidence, np.ndarray]:
        """The incidence of rows and the non-negative integer keys they hold (a pair may be
        listed more than once), and the key of each column, sorted. One sort does it all."""
        keys, rows = np.divmod(distinct(keys * height + rows), max(height, 1))
        new = np.ones(len(keys), dtype=bool)
        np.not_equal(keys[1:], keys[:-1], out=new[1:])
        columns = np.cumsum(new) - 1
        names = keys[new]
        return cls(rows, columns, (height, len(names))), names

    def dot(self, vector: np.ndarray) -> np.ndarray:
        """The matrix times a vector of column values: one sum per row."""
        return np.bincount(self.rows, weights=vector[self.columns], minlength=self.shape[0])

    def row_sizes(self) -> np.ndarray:
        return np.bincount(self.rows, minlength=self.shape[0])

    def by_row(self) -> list[list[int]]:
        """Each row's columns, in increasing order, as Python lists."""
        width = max(self.shape[1], 1)
        columns = (np.sort(self.rows * width + self.columns) % width).tolist()
        ends = np.cumsum(self.row_sizes()).tolist()
        return [columns[start:end] for start, end in zip([0, *ends], ends, strict=False)]
