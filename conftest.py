"""Settings for every pytest run of the project, the notebooks' nbval run included.

``fit`` prints plain lines instead of live displays, so that stored notebook outputs are
the same on every run; the kernels nbval starts inherit this from the environment.
"""

import os

os.environ.setdefault("LESSON_PKG_PLAIN_OUTPUT", "1")
