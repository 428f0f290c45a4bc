"""Settings for every pytest run of the project, the notebooks' nbval run included.

``fit`` prints plain lines instead of live displays, so that stored notebook outputs are
the same on every run; the kernels nbval starts inherit this from the environment.

The suite never reads the learner's ``exercises/``: it copies the stubs the package ships
(``lesson_pkg/exercises/``, generated from ``solutions/``) into a temporary folder and
points ``LESSON_PKG_EXERCISES`` at it, so ``check("mse_loss")`` in a notebook, a doctest
or a test grades those stubs, whatever the learner has written.
"""

import importlib.util
import os
import shutil
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("LESSON_PKG_PLAIN_OUTPUT", "1")

# the package's own folder, found without importing it: mutmut runs this file from a copy
# of the course (mutants/) that holds solutions/ and tests/ but not lesson_pkg/
_PACKAGE = importlib.util.find_spec("lesson_pkg")
assert _PACKAGE is not None and _PACKAGE.submodule_search_locations
SHIPPED_STUBS = Path(_PACKAGE.submodule_search_locations[0]) / "exercises"
_STUBS_HOME = Path(tempfile.mkdtemp(prefix="lesson-stubs-"))
STUBS = _STUBS_HOME / "exercises"
shutil.copytree(SHIPPED_STUBS, STUBS, ignore=shutil.ignore_patterns("__pycache__"))
os.environ["LESSON_PKG_EXERCISES"] = str(STUBS)


def pytest_unconfigure(config):
    shutil.rmtree(_STUBS_HOME, ignore_errors=True)


@pytest.fixture
def exercise_stubs(tmp_path) -> Path:
    """A fresh copy of the generated stubs: an exercises/ folder no learner has touched."""
    return Path(shutil.copytree(STUBS, tmp_path / "stubs" / "exercises"))
