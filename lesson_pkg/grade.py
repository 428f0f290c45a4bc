"""``python -m lesson_pkg.grade``: the autograder's command line (see lesson_pkg.grading.cli)."""

import sys

from lesson_pkg.grading.cli import main

if __name__ == "__main__":
    sys.exit(main())
