"""``python -m lesson_pkg.grade``: grade one submission (``lesson grade``).

``--class SUBMISSIONS --out DIR`` grades a class instead (``lesson grade-class``). The
options are grading's own (:func:`lesson_pkg.grading.front.commands.grade_main`).
"""

import os
import sys

from lesson_pkg.grading.front.commands import grade_main

if __name__ == "__main__":
    status = grade_main()
    sys.stdout.flush()
    sys.stderr.flush()
    # The report is written and the worker stopped; skip the interpreter's teardown of
    # torch, which takes about a second and changes nothing.
    os._exit(status)
