"""A non-editable install works from any directory, data and templates included.

Builds the wheel, installs it into a fresh virtual environment (reusing this
interpreter's torch and friends), and uses the installed ``attn-judge`` from an
unrelated directory: list, check through the sandbox, a site build. The
installed reference solutions stay invisible to a submission.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from grader import registry
from tests.sandboxing import attack_source

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(base / "dist"),
                    str(ROOT)], check=True, capture_output=True, timeout=600)
    wheel = next((base / "dist").glob("attention_judge-*.whl"))
    env_dir = base / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "-q", str(wheel)], check=True,
                   capture_output=True, timeout=600)
    # torch and the other dependencies come from this interpreter's environment (appended
    # after the new environment's own site-packages, so its grader is the installed one).
    target = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                            capture_output=True, text=True, check=True).stdout.strip()
    Path(target, "dependencies-of-the-tests.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return env_dir / "bin"


def _run(bin_dir: Path, *args, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(bin_dir / "attn-judge"), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600)


def test_installed_command_lists_and_shows(installed, tmp_path):
    listed = _run(installed, "list", "--json", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert [p["id"] for p in json.loads(listed.stdout)] == registry.problem_ids()
    location = subprocess.run([str(installed / "python"), "-c", "import grader; print(grader.__file__)"],
                              cwd=tmp_path, capture_output=True, text=True).stdout
    assert str(ROOT) not in location  # really the installed copy
    assert _run(installed, "show", "text_generation", "--lang", "zh", cwd=tmp_path).returncode == 0


@pytest.mark.sandbox
def test_installed_check_and_hidden_data(installed, tmp_path):
    assert _run(installed, "start", "scaled_dot_product_attention", cwd=tmp_path).returncode == 0
    checked = _run(installed, "check", "scaled_dot_product_attention.py", cwd=tmp_path)
    assert checked.returncode == 1 and "not implemented" in checked.stdout
    data = subprocess.run([str(installed / "python"), "-c",
                           "from grader.datapaths import data_root; print(data_root())"],
                          cwd=tmp_path, capture_output=True, text=True).stdout.strip()
    assert data.endswith("_data")
    assert Path(data, "solutions", "scaled_dot_product_attention.py").is_file()
    snoop = tmp_path / "snoop" / "scaled_dot_product_attention.py"
    snoop.parent.mkdir()
    snoop.write_text(attack_source("fs_search"))
    graded = _run(installed, "grade", str(snoop), "--json", "--timeout", "60", cwd=tmp_path)
    assert graded.returncode == 0, graded.stderr
    output = json.loads(graded.stdout)["tests"][0]["output"]
    found = ast.literal_eval(re.sub(r" \(line \d+\)$", "", output.split("FOUND=")[1].split("\n")[0]))
    assert not [f for f in found if "/_data" in f or "solutions" in f or "/hidden" in f], found


def test_installed_site_build(installed, tmp_path):
    built = _run(installed, "site", "build", "--out", str(tmp_path / "site"), cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    assert (tmp_path / "site" / "index.html").is_file()
