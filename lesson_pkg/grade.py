"""``python -m lesson_pkg.grade``: grade one submission (``lesson grade``).

``--class SUBMISSIONS --out DIR`` grades a class instead (``lesson grade-class``).
"""

import os
import sys

from lesson_pkg.grading.front.cli import main


def _as_verb(argv: list[str]) -> list[str]:
    """``--class DIR ...`` -> ``grade-class DIR ...``; anything else -> ``grade ...``."""
    if "--class" in argv:
        index = argv.index("--class")
        rest = argv[:index] + argv[index + 2 :]
        return ["grade-class", *argv[index + 1 : index + 2], *rest]
    return ["grade", *argv]


if __name__ == "__main__":
    status = main(_as_verb(sys.argv[1:]))
    sys.stdout.flush()
    sys.stderr.flush()
    # The report is written and the worker stopped; skip the interpreter's teardown of
    # torch, which takes about a second and changes nothing.
    os._exit(status)
