"""One call of a submitted function, asked and answered, as plain data.

:class:`CallRequest` is what the grader asks (the function, its inputs, the built-ins it
may not use); :class:`Outcome` is what came back: plain data, or an error of a known
kind.
"""

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
class CallRequest:
    """One call of ``function`` from the submission's ``file``.

    The tensors in ``args`` listed in ``grad_args`` require gradients; with a
    ``cotangent``, the result is back-propagated with it. The torch built-ins named in
    ``forbidden`` raise while the call runs: the grader says which, the runner knows no
    exercise.
    """

    file: str
    function: str
    args: list[Any]
    kwargs: dict[str, Any] = field(default_factory=dict)
    grad_args: list[int] = field(default_factory=list)
    cotangent: Any = None
    forbidden: tuple[str, ...] = ()

    def to_message(self) -> dict[str, Any]:
        """The request as a message for the worker's pipe."""
        return {
            "op": "call",
            "file": self.file,
            "function": self.function,
            "args": list(self.args),
            "kwargs": self.kwargs,
            "grad_args": list(self.grad_args),
            "cotangent": self.cotangent,
            "forbidden": list(self.forbidden),
        }

    @classmethod
    def from_message(cls, message: dict[str, Any]) -> CallRequest:
        """The request :meth:`to_message` wrote."""
        return cls(
            str(message["file"]),
            str(message["function"]),
            list(message["args"]),
            dict(message["kwargs"]),
            [int(index) for index in message["grad_args"]],
            message["cotangent"],
            tuple(str(name) for name in message["forbidden"]),
        )


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
