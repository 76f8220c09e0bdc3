"""Rows of a CSV file after its header, numbered by the line where each row starts."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Protocol

from triage_app.io.problems import Problem


class CsvReader(Protocol):
    """The object `csv.reader` returns: rows of cells, and the number of lines read so far."""

    line_num: int

    def __next__(self) -> list[str]: ...


def csv_records(
    reader: CsvReader, columns: list[str]
) -> Iterator[tuple[int, dict[str, str]] | Problem]:
    """Yield (line, {column: cell}) for each non-blank row, or a Problem for a bad one.

    A quoted cell may span lines, so a row's number is the line where it starts. Invalid CSV
    ends the iteration with a Problem; a row with the wrong number of cells yields a Problem
    and the iteration goes on.
    """
    previous_end = reader.line_num
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield Problem(reader.line_num, "", None, f"invalid CSV: {error}")
            return

        number = previous_end + 1
        previous_end = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(columns):
            yield Problem(
                number,
                "",
                None,
                f"row has {len(row)} cells but the header has {len(columns)} columns; "
                "quote cells that contain commas",
            )
            continue
        yield number, dict(zip(columns, row, strict=True))
