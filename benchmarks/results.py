"""The results table the benchmarks print, and the error for a failed measurement."""

from __future__ import annotations

from dataclasses import dataclass


class ChildFailed(RuntimeError):
    """A measured child process exited with an error or without reporting its figures."""


@dataclass(frozen=True)
class Row:
    """One line of the results table. `passed` is None for a figure without a target."""

    figure: str
    value: str
    target: str = ""
    passed: bool | None = None

    @property
    def verdict(self) -> str:
        if self.passed is None:
            return ""
        return "PASS" if self.passed else "MISS"


def print_table(rows: list[Row], footnote: str) -> None:
    """Print the rows as aligned columns with a PASS or MISS per target, then `footnote`."""
    headers = ("figure", "result", "target", "")
    widths = [
        max(len(headers[0]), *(len(row.figure) for row in rows)),
        max(len(headers[1]), *(len(row.value) for row in rows)),
        max(len(headers[2]), *(len(row.target) for row in rows)),
    ]
    print(f"{headers[0]:<{widths[0]}}  {headers[1]:>{widths[1]}}  {headers[2]:<{widths[2]}}")
    print("-" * (sum(widths) + 10))
    for row in rows:
        print(
            f"{row.figure:<{widths[0]}}  {row.value:>{widths[1]}}  "
            f"{row.target:<{widths[2]}}  {row.verdict}"
        )
    print(footnote)
