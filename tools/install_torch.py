"""torch's CPU build on Linux without an NVIDIA GPU, installed before the course itself.

PyPI's Linux wheel of torch is the CUDA build, which pulls several GB of NVIDIA libraries;
torch's own CPU index holds the same release without them (``2.13.0+cpu``). On Linux
without an NVIDIA GPU, ``python tools/install_torch.py`` (``make lab`` and ``make test``
run it first) installs the pinned torch from that index, and the course's install then
finds it already there (``2.13.0+cpu`` satisfies ``torch==2.13.0``). With an NVIDIA GPU,
or on macOS and Windows (where PyPI's wheel is the CPU build), it does nothing and the
course's install takes torch from PyPI. When the CPU index cannot be reached, it says so
and the install goes on from pip's usual sources (a local mirror, or PyPI).

The CPU build's wheel also carries torch's own C++ unit tests and the protobuf compiler,
which no Python code runs (about 0.14 GB of a 1 GB venv), and its C++ headers (0.06 GB),
which only C++ extensions and ``torch.compile``'s CPU code (with a C++ compiler) read:
the course uses neither, and it removes them after the install.
``pip install --force-reinstall --no-deps torch==VERSION --index-url`` torch's CPU index
puts them back.

Standard library only: it runs in the new virtual environment before anything is in it.
"""

from __future__ import annotations

import importlib.metadata
import platform
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

CPU_INDEX = "https://download.pytorch.org/whl/cpu"
PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def pinned_torch(pyproject: Path = PYPROJECT) -> str:
    """The version of torch that ``pyproject.toml`` pins."""
    found = re.search(r'"torch==([^";\s]+)"', pyproject.read_text())
    if found is None:
        raise ValueError(f'{pyproject} pins no torch (expected a line like "torch==2.13.0")')
    return found[1]


def has_nvidia_gpu() -> bool:
    """Whether this machine has an NVIDIA GPU with its driver loaded."""
    gpus = Path("/proc/driver/nvidia/gpus")
    if gpus.is_dir() and any(gpus.iterdir()):
        return True
    try:
        listed = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return listed.returncode == 0 and "GPU" in listed.stdout


def wants_cpu_build(system: str, nvidia_gpu: bool) -> bool:
    """Only Linux without an NVIDIA GPU needs the CPU index (elsewhere PyPI's is CPU).

    >>> wants_cpu_build("Linux", nvidia_gpu=False), wants_cpu_build("Linux", True)
    (True, False)
    >>> wants_cpu_build("Darwin", nvidia_gpu=False)
    False
    """
    return system == "Linux" and not nvidia_gpu


def remove_test_programs(torch_folder: Path) -> int:
    """Delete the C++ test programs and headers in an installed torch; return the bytes freed.

    They are ``torch/test/``, ``torch/include/`` and everything in ``torch/bin/`` but
    ``torch_shm_manager`` (which a DataLoader's worker processes use to share memory).
    """
    doomed = [torch_folder / "test", torch_folder / "include"]
    doomed += [
        path for path in (torch_folder / "bin").glob("*") if path.name != "torch_shm_manager"
    ]
    freed = 0
    for path in doomed:
        if path.is_dir() and not path.is_symlink():
            freed += sum(each.lstat().st_size for each in path.rglob("*") if each.is_file())
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            freed += path.lstat().st_size
            path.unlink()
    return freed


def main() -> int:
    version = pinned_torch()
    try:
        installed = importlib.metadata.version("torch")
    except importlib.metadata.PackageNotFoundError:
        installed = None
    if installed is not None and installed.split("+")[0] == version:
        return 0
    if not wants_cpu_build(platform.system(), has_nvidia_gpu()):
        print("torch: PyPI's build (a GPU, or not Linux), installed with the course")
        return 0
    print(f"torch {version}: the CPU build (Linux without an NVIDIA GPU), from {CPU_INDEX}")
    # --no-compile: Python compiles what the lessons import when they first import it
    command = [sys.executable, "-m", "pip", "install", "--disable-pip-version-check"]
    command += ["--no-compile", "--retries", "1", "--timeout", "20", "--extra-index-url", CPU_INDEX]
    done = subprocess.run([*command, f"torch=={version}"])
    if done.returncode != 0:
        print(
            f"torch: {CPU_INDEX} could not be used; the course's install takes torch from "
            "pip's usual sources (on Linux, PyPI's is the larger CUDA build)"
        )
        return 0
    freed = remove_test_programs(Path(sysconfig.get_path("platlib")) / "torch")
    print(f"torch: its C++ tests and headers removed ({freed / 1000**3:.2f} GB no lesson reads)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
