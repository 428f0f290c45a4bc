"""What running one exercise function produced: plain data, or an error of a known kind."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

FENCE = "`" * 3  # a Markdown code fence


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

        The message may come from student code: newlines are flattened and code fences
        broken, so that it cannot add lines to the report's table or close its Markdown
        code block.
        """
        one_line = " ".join(str(message).split()).replace(FENCE, "` ` `")
        return cls(ok=False, error_kind=kind, error=one_line[:500])
