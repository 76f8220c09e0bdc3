"""Errors in files the user gives us, each naming the file, line, field and value."""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

# Enough to fix a file in one go without flooding the terminal when every line is wrong.
MAX_REPORTED = 20


@dataclass(frozen=True)
class Problem:
    """One invalid value: where it is, what it is, and what to do about it."""

    line: int
    field: str
    value: object
    message: str

    def describe(self, path: Path) -> str:
        place = f"{path}, line {self.line}" if self.line else str(path)
        if self.field:
            place += f", field {self.field!r}"
        value = "" if self.value is None else f" (value: {_shorten(self.value)})"
        return f"{place}: {self.message}{value}"


class InputFileError(Exception):
    """A file cannot be imported; nothing from it was written.

    `problems` lists the first `MAX_REPORTED` invalid values found; `total` counts them all.
    """

    def __init__(self, path: Path, problems: list[Problem], total: int | None = None) -> None:
        self.path = path
        self.problems = problems[:MAX_REPORTED]
        self.total = len(problems) if total is None else total
        super().__init__(self._message())

    def _message(self) -> str:
        lines = [problem.describe(self.path) for problem in self.problems]
        if self.total > len(self.problems):
            lines.append(f"... and {self.total - len(self.problems)} more problems")
        lines.append(f"Nothing from {self.path} was imported; fix the file and import it again.")
        return "\n".join(lines)


def _shorten(value: object, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def read_text(path: Path) -> str:
    """Read a UTF-8 file, dropping a byte-order mark if there is one.

    Raises InputFileError when the file is missing, unreadable, empty or not UTF-8.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputFileError(
            path, [Problem(0, "", None, "file not found; check the path")]
        ) from None
    except OSError as error:
        raise InputFileError(
            path, [Problem(0, "", None, f"cannot read the file: {error.strerror}")]
        ) from None

    # The error's offset counts from after a byte-order mark, so decode without one.
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        byte = data[error.start : error.start + 1]
        raise InputFileError(
            path,
            [
                Problem(
                    line,
                    "",
                    None,
                    f"not valid UTF-8: byte 0x{byte.hex().upper()} at column {column}; "
                    "save the file as UTF-8 and import it again",
                )
            ],
        ) from None

    if not text.strip():
        raise InputFileError(path, [Problem(0, "", None, "the file is empty; nothing to import")])
    return text
