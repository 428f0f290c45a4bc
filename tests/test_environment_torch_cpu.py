"""Binder and JupyterHub (environment.yml) get torch's CPU build, not PyPI's CUDA wheel.

conda hands environment.yml's pip section to pip as a requirements file. The test gives
pip that same file, with torch's CPU index replaced by a local stand-in (this machine
reaches only the package registries), and a stand-in PyPI that also holds a plain 2.13.0
(on Linux, PyPI's 2.13.0 is the CUDA build) and a newer release. pip must choose
2.13.0+cpu: the local version label sorts above the plain one, and ==2.13.0 matches both.
"""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CPU_INDEX = "https://download.pytorch.org/whl/cpu"


def _wheel(index: Path, version: str) -> None:
    """A minimal wheel of torch at ``version`` in a directory index, as pip reads one."""
    folder = index / "torch"
    folder.mkdir(parents=True, exist_ok=True)
    info = f"torch-{version}.dist-info"
    with zipfile.ZipFile(folder / f"torch-{version}-py3-none-any.whl", "w") as wheel:
        wheel.writestr(
            f"{info}/METADATA", f"Metadata-Version: 2.1\nName: torch\nVersion: {version}\n"
        )
        wheel.writestr(
            f"{info}/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        )
        wheel.writestr(f"{info}/RECORD", "")


def _pip_section() -> list[str]:
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    return next(entry["pip"] for entry in environment["dependencies"] if isinstance(entry, dict))


def test_the_pip_section_installs_torch_from_the_cpu_index(tmp_path):
    pypi, cpu = tmp_path / "pypi", tmp_path / "cpu"
    for version in ("2.13.0", "2.14.0"):
        _wheel(pypi, version)
    _wheel(cpu, "2.13.0+cpu")
    lines = [
        line.replace(CPU_INDEX, cpu.as_uri())
        for line in _pip_section()
        if line.startswith("-") or line.startswith("torch==")
    ]
    assert f"--extra-index-url {cpu.as_uri()}" in lines
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("\n".join(lines) + "\n")
    report = tmp_path / "report.json"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--quiet", "--no-deps",
         "--ignore-installed", "--disable-pip-version-check", "--report", str(report),
         "--index-url", pypi.as_uri(), "-r", str(requirements)],
        capture_output=True, text=True, env={**os.environ, "PIP_CONFIG_FILE": os.devnull},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    installed = yaml.safe_load(report.read_text())["install"]
    assert [item["metadata"]["version"] for item in installed] == ["2.13.0+cpu"]
