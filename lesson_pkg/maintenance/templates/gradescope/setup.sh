#!/usr/bin/env bash
# Gradescope runs this once, as root, when the autograder image is built. It works on
# Gradescope's default base image (Ubuntu 22.04, whose Python is 3.10) and on newer ones.
# AUTOGRADER_ROOT moves /autograder; TORCH_INDEX_URL="" takes torch from the default
# index (a local mirror that holds the CPU build), for tests.
set -euo pipefail
root="${AUTOGRADER_ROOT:-/autograder}"
source="$root/source"
apt-get update
apt-get install -y python3 python3-venv python3-pip bubblewrap
python3 -c 'import sys; sys.exit(sys.version_info < (3, 10))' || {
    echo "lesson_pkg needs Python 3.10 or newer; this image has $(python3 --version)." >&2
    exit 1
}
# The workers' unprivileged user: grading drops to it (uid @{worker_uid} and up).
id @{worker_account} >/dev/null 2>&1 || useradd --system --uid @{worker_uid} --user-group \
    --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin @{worker_account}
python3 -m venv "$root/venv"
pin() { sed -n "s/.*\"$1==\([^\"]*\)\".*/\1/p" "$source/pyproject.toml" | head -n 1; }
# torch's CPU build (no CUDA packages), then the package and its other dependencies
index="${TORCH_INDEX_URL-https://download.pytorch.org/whl/cpu}"
"$root/venv/bin/pip" install --quiet ${index:+--index-url "$index"} "torch==$(pin torch)"
"$root/venv/bin/pip" install --quiet "$source"
# Hidden tests are pytest files: the grader runs them with pytest.
if [ -d "$source/hidden" ]; then
    "$root/venv/bin/pip" install --quiet "pytest==$(pin pytest)"
fi
# Without namespaces (Gradescope's containers), file modes decide what a worker reads:
# of the installed package, the workers' user may read only its own code
# (@{worker_readable}); the sources and hidden tests are root's alone.
package=$(cd /tmp && "$root/venv/bin/python" -c \
    'import lesson_pkg, os; print(os.path.dirname(lesson_pkg.__file__))')
find "$package" -type f @{worker_find_filter} -exec chmod go-rwx {} +
chown -R root:root "$source"
chmod -R go-rwx "$source"
mkdir -p "$root/results"
chmod 755 "$root/results"
