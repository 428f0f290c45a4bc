"""What running one exercise function produced: plain data, or an error of a known kind."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

FENCE = "`" * 3  # a Markdown code fence
MAX_MESSAGE = 500
# control and format characters (escape sequences, bidirectional overrides), private
# use, lone surrogates, line and paragraph separators: shown as escapes, never obeyed
UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Zl", "Zp"})


def safe_text(text: str, limit: int = MAX_MESSAGE) -> str:
    r"""Text from a submission, made safe for a terminal, JSON, CSV, HTML and Markdown.

    One line (whitespace runs become one space), every unsafe character shown as a
    visible escape, code fences broken, at most ``limit`` characters. HTML and CSV
    writers still escape in their own way; this makes sure the text can be encoded and
    cannot move a cursor, clear a screen or add a line.

    >>> safe_text("done \ud800\x1b[2J\nScore: 68 / 68")
    'done \\ud800\\x1b[2J Score: 68 / 68'
    """
    shown = []
    for character in str(text):
        if character in "\t\n\r":
            shown.append(" ")
        elif unicodedata.category(character) in UNSAFE_CATEGORIES:
            code = ord(character)
            shown.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            shown.append(character)
    one_line = " ".join("".join(shown).split()).replace(FENCE, "` ` `")
    return one_line if len(one_line) <= limit else one_line[: limit - 1] + "\u2026"


class ErrorKind(str, Enum):
    """Why a call of a submitted function gave no result the grader can compare."""

    __str__ = str.__str__  # the value, as enum.StrEnum (Python 3.11) gives

    NOT_IMPLEMENTED = "not_implemented"  # the stub still raises NotImplementedError
    FORBIDDEN = "forbidden"  # called the built-in or the reference it must implement
    NOT_DIFFERENTIABLE = "not_differentiable"  # a loss autograd cannot differentiate
    NOT_PLAIN = "not_plain"  # returned something that is not a plain tensor or number
    MEMORY = "memory"  # MemoryError
    EXCEPTION = "exception"  # any other exception
    IMPORT = "import"  # the file could not be imported
    MISSING = "missing"  # the file defines no such function
    EXIT = "exit"  # called exit() while running
    TIMEOUT = "timeout"  # took longer than the time limit
    DIED = "died"  # ended the worker process
    GARBLED = "garbled"  # the worker's reply could not be read
    SKIPPED = "skipped"  # not run: earlier calls of the function were fatal


FATAL_KINDS = frozenset({ErrorKind.TIMEOUT, ErrorKind.DIED, ErrorKind.GARBLED})


@dataclass(frozen=True)
class Outcome:
    """One call of a submitted function: its result as plain data, or why there is none."""

    ok: bool
    result: dict[str, Any] = field(default_factory=dict)
    error_kind: ErrorKind | None = None
    error: str = ""

    @classmethod
    def failure(cls, kind: ErrorKind, message: str) -> Outcome:
        """An outcome with no result, its kind and a one-line message.

        The message may come from student code: :func:`safe_text` makes it one safe line.
        """
        return cls(ok=False, error_kind=kind, error=safe_text(message))
