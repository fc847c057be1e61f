"""``attn-judge export gradescope``: the zip, and its real ``run_autograder`` on a copy of /autograder.

Each run test unpacks the exported zip into a fake ``/autograder`` (``source/``
as Gradescope unpacks it, ``run_autograder`` copied to the root, the student's
files in ``submission/``), skips ``setup.sh`` (the package is installed here)
and runs the bundle's own ``run_autograder`` with the root moved by
``ATTN_JUDGE_AUTOGRADER_ROOT``, exactly as Gradescope would run it. Every
``results.json`` is validated against Gradescope's published results format.
"""

from __future__ import annotations

import ast
import errno
import json
import os
import re
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import nbformat
import pytest
from click.testing import CliRunner

from grader import __version__, registry
from grader.cli import main
from grader.exports import export_gradescope
from grader.exports.common import CONFIG_FILE, SEED_FILE, BundleError, find_submission_files, read_seed
from grader.hidden import hidden_cases
from grader.references import solution_source
from grader.seedkey import MAX_SEED
from tests.sandboxing import attack_source

ROOT = Path(__file__).resolve().parents[1]
CJK = re.compile(r"[\u4e00-\u9fff]")
SDPA = "scaled_dot_product_attention"
MHA = "multi_head_attention"
SEED = 913524680  # 9 digits starting 9135: what tests/attacks/secret_sweep.py looks for
ATTN_JUDGE = Path(sys.executable).with_name("attn-judge")
WRONG_SDPA = (ROOT / "tests" / "golden" / "sdpa_mask_inverted_where" / "submission.py").read_text()

# Gradescope's results format, written down from "Autograder Specifications → Output format"
# (gradescope-autograders.readthedocs.io/en/latest/specs/): top-level score or per-test scores,
# optional output, formats, visibility, extra_data; tests with score, max_score, status, name,
# number, output, tags, visibility, extra_data.
_VISIBILITY = {"enum": ["hidden", "after_due_date", "after_published", "visible"]}
_FORMAT = {"enum": ["text", "html", "simple_format", "md", "ansi"]}
GRADESCOPE_RESULTS = {
    "type": "object",
    "properties": {
        "score": {"type": "number"},
        "execution_time": {"type": "number", "minimum": 0},
        "output": {"type": "string"},
        "output_format": _FORMAT,
        "test_output_format": _FORMAT,
        "test_name_format": _FORMAT,
        "visibility": _VISIBILITY,
        "stdout_visibility": _VISIBILITY,
        "extra_data": {"type": "object"},
        "leaderboard": {"type": "array"},
        "tests": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "score": {"type": "number"},
                    "max_score": {"type": "number"},
                    "status": {"enum": ["passed", "failed"]},
                    "name": {"type": "string"},
                    "name_format": _FORMAT,
                    "number": {"type": "string"},
                    "output": {"type": "string"},
                    "output_format": _FORMAT,
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "visibility": _VISIBILITY,
                    "extra_data": {"type": "object"},
                },
                "additionalProperties": False,
            },
        },
    },
    "anyOf": [{"required": ["score"]},
              {"required": ["tests"], "properties": {"tests": {"items": {"required": ["score"]}}}}],
    "additionalProperties": False,
}

pytestmark = [pytest.mark.slow]


def unpack(bundle: Path, target: Path) -> None:
    """Unpack a zip the way ``unzip`` does on Linux: Unix modes kept."""
    with zipfile.ZipFile(bundle) as archive:
        for info in archive.infolist():
            path = target / info.filename
            if info.is_dir():
                path.mkdir(parents=True, exist_ok=True)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(archive.read(info))
            mode = (info.external_attr >> 16) & 0o7777
            if mode:
                path.chmod(mode)


def write_files(folder: Path, files: dict[str, str | bytes]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))


def run_script(script: Path, *, env: dict[str, str], cwd: Path,
               timeout: float = 600) -> subprocess.CompletedProcess:
    """A bundle's script, executed as the platform executes it (its own shebang and mode)."""
    return subprocess.run([str(script)], cwd=cwd, env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=timeout)


def run_autograder(bundle: Path, tmp: Path, files: dict[str, str | bytes], *, env: dict | None = None,
                   plant: dict[str, str] | None = None) -> tuple[Path, subprocess.CompletedProcess, dict]:
    root = tmp / "autograder"
    unpack(bundle, root / "source")
    write_files(root / "source", plant or {})
    (root / "run_autograder").write_bytes((root / "source" / "run_autograder").read_bytes())
    (root / "run_autograder").chmod(0o755)
    write_files(root / "submission", files)
    done = run_script(root / "run_autograder", cwd=root,
                      env={"ATTN_JUDGE_AUTOGRADER_ROOT": str(root), "ATTN_JUDGE_BIN": str(ATTN_JUDGE),
                           **(env or {})})
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    jsonschema.validate(results, GRADESCOPE_RESULTS)
    return root, done, results


def found_paths(output: str) -> list[str]:
    """The paths tests/attacks/fs_search.py reports in its exception message."""
    listed = output.split("FOUND=")[1].split("\n")[0]
    return ast.literal_eval(re.sub(r" \(line \d+\)$", "", listed))


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    """Problem 1 alone, the wheel built by the export itself (pip wheel --no-deps)."""
    out = tmp_path_factory.mktemp("gradescope") / "autograder.zip"
    export_gradescope(problem_ids=[SDPA], out=out, seed=SEED, timeout=60, lang="en")
    return out


@pytest.fixture(scope="module")
def wheel(bundle, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("wheel")
    with zipfile.ZipFile(bundle) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".whl"))
        (folder / name).write_bytes(archive.read(name))
    return folder / name


@pytest.fixture(scope="module")
def two_problems(wheel, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("gradescope2") / "autograder.zip"
    export_gradescope(problem_ids=[SDPA, MHA], out=out, seed=SEED, lang="en", wheel=wheel)
    return out


# ----------------------------------------------------------------------------- the zip

def test_zip_has_the_scripts_at_its_root_and_the_seed_in_a_root_only_file(bundle):
    assert stat.S_IMODE(bundle.stat().st_mode) == 0o600  # the seed is inside: readable by its owner only
    with zipfile.ZipFile(bundle) as archive:
        infos = {info.filename: info for info in archive.infolist()}
        mode = {name: (info.external_attr >> 16) & 0o777 for name, info in infos.items()}
        assert mode["setup.sh"] == mode["run_autograder"] == 0o755
        assert mode[SEED_FILE] == mode["home/seed-key"] == 0o600 and mode["home/"] == 0o700
        assert archive.read(SEED_FILE).decode().strip() == str(SEED)
        config = json.loads(archive.read(CONFIG_FILE))
        assert config["problems"] == [SDPA] and config["timeout"] == 60
        for name in infos:
            if name not in (SEED_FILE, "home/seed-key") and not name.endswith("/"):
                assert str(SEED).encode() not in archive.read(name), name
        wheels = [n for n in infos if re.fullmatch(r"attention_judge-[^/]+-py3-none-any\.whl", n)]
        assert len(wheels) == 1
        setup = archive.read("setup.sh").decode()
    assert "--index-url https://download.pytorch.org/whl/cpu torch==2.13.0" in setup
    assert f'pip install -q "$SOURCE"/{wheels[0]}' in setup
    assert subprocess.run(["bash", "-n", "-c", setup]).returncode == 0


def test_setup_sh_is_idempotent_and_says_what_it_does(bundle, tmp_path):
    """setup.sh run twice against stand-ins for python3 and pip: the second run installs nothing new."""
    source = tmp_path / "source"
    unpack(bundle, source)
    fakes, venv, log = tmp_path / "bin", tmp_path / "venv", tmp_path / "calls.log"
    fakes.mkdir()
    # python3 stand-in: answers the version and venv checks, and "python3 -m venv DIR" writes a
    # DIR/bin/python stand-in whose pip records what it installs (torch: importable afterwards).
    (fakes / "python3").write_text(f"""#!/usr/bin/env bash
echo "python3 $*" >> {log}
if [ "$1" = -m ] && [ "$2" = venv ]; then
  mkdir -p "$3/bin"
  cat > "$3/bin/python" <<'EOF'
#!/usr/bin/env bash
echo "venv-python $*" >> {log}
if [ "$1" = -c ]; then
  case "$2" in *"import torch"*) [ -e "$(dirname "$0")/torch" ] || exit 1;; esac
  exit 0
fi
if [ "$1 $2" = "-m pip" ]; then case "$*" in *torch==*) touch "$(dirname "$0")/torch";; esac; fi
EOF
  printf '#!/usr/bin/env bash\\necho "attn-judge $*" >> {log}\\n' > "$3/bin/attn-judge"
  chmod +x "$3/bin/python" "$3/bin/attn-judge"
fi
exit 0
""")
    (fakes / "python3").chmod(0o755)
    script = (source / "setup.sh").read_text().replace("VENV=/opt/attn-judge", f"VENV={venv}")
    (source / "setup.sh").write_text(script)
    env = {"PATH": f"{fakes}:{os.environ['PATH']}"}
    first = run_script(source / "setup.sh", env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    calls_first = log.read_text().splitlines()
    second = run_script(source / "setup.sh", env=env, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    calls_second = log.read_text().splitlines()[len(calls_first):]
    assert "creating the environment" in first.stdout and "installing torch==2.13.0" in first.stdout
    assert "exists already" in second.stdout and "PyTorch is installed already" in second.stdout
    assert sum("-m venv" in c for c in calls_first) == 1 and not any("-m venv" in c for c in calls_second)
    assert any("torch==2.13.0" in c for c in calls_first) and not any("torch==" in c for c in calls_second)
    assert stat.S_IMODE(source.stat().st_mode) == 0o700
    assert stat.S_IMODE((source / SEED_FILE).stat().st_mode) == 0o600


# ----------------------------------------------------------------------------- run_autograder

@pytest.mark.sandbox
def test_a_correct_submission_scores_full_marks(bundle, tmp_path):
    root, done, results = run_autograder(bundle, tmp_path, {f"{SDPA}.py": solution_source(registry.get(SDPA))})
    assert done.returncode == 0, done.stderr
    assert results["score"] == results["extra_data"]["max_score"] == sum(c.points for c in hidden_cases(SDPA))
    assert all(t["status"] == "passed" for t in results["tests"])
    assert results["output_format"] == results["test_output_format"] == "text"
    assert "Isolation of your code: namespaces+uid" in results["output"]
    assert str(SEED) not in json.dumps(results)
    assert results["extra_data"]["problems"][SDPA]["seed_fingerprint"]
    assert stat.S_IMODE((root / "source").stat().st_mode) == 0o700


@pytest.mark.sandbox
def test_a_wrong_submission_is_diagnosed(bundle, tmp_path):
    _, _, results = run_autograder(bundle, tmp_path, {f"{SDPA}.py": WRONG_SDPA})
    assert 0 < results["score"] < results["extra_data"]["max_score"]
    assert results["extra_data"]["problems"][SDPA]["diagnosis"] == ["sdpa.mask_inverted"]
    assert "Likely mistake" in results["output"]
    assert any("sdpa.mask_inverted" in t["output"] for t in results["tests"] if t["status"] == "failed")


def _printed_inputs(results: dict) -> str:
    return results["output"].split("INPUTS ", 1)[1].split()[0]


@pytest.mark.sandbox
def test_what_a_file_prints_of_its_inputs_is_no_use_to_another_file(bundle, tmp_path, wheel):
    """Each file handed in gets hidden inputs of its own (drawn from the secret seed, its digest and its
    name): a table built from what one file printed answers nothing for a file that differs by a
    byte, nor for the same bytes handed in under a name that carries the answers. The
    same file always gets the same inputs, and ``grade FILE --seed S --inputs per-file`` re-grades it
    as the bundle did. A bundle exported with ``--inputs shared`` gives every file the same. Every
    result names the bundle's seed by the same fingerprint, not the seed drawn for its file."""
    leak = attack_source("print_inputs")
    runs, recorded = {}, set()
    for name, file, source in (("first", f"{SDPA}.py", leak), ("again", f"{SDPA}.py", leak),
                               ("table", f"{SDPA}.py", leak + "# a table of answers\n"),
                               ("renamed", "answers_in_the_name.py", leak)):  # graded: the only file
        _, _, results = run_autograder(bundle, tmp_path / name, {file: source})
        runs[name] = _printed_inputs(results)
        assert results["extra_data"]["problems"][SDPA]["inputs"] == "per-file"
        recorded.add(results["extra_data"]["problems"][SDPA]["seed_fingerprint"])
    assert runs["first"] == runs["again"] and len({runs["first"], runs["table"], runs["renamed"]}) == 3
    assert len(recorded) == 1  # the bundle's seed, which every result of one zip names alike
    path = tmp_path / f"{SDPA}.py"
    path.write_text(leak)
    local = CliRunner().invoke(main, ["grade", str(path), "--seed", str(SEED), "--inputs", "per-file", "--json"])
    assert f"INPUTS {runs['first']}" in json.loads(local.stdout)["extra_data"]["output"]
    shared = tmp_path / "shared.zip"
    export_gradescope(problem_ids=[SDPA], out=shared, seed=SEED, lang="en", wheel=wheel, inputs="shared")
    printed = {_printed_inputs(run_autograder(shared, tmp_path / f"shared-{name}", {f"{SDPA}.py": source})[2])
               for name, source in (("first", leak), ("table", leak + "# a table of answers\n"))}
    assert len(printed) == 1


@pytest.mark.sandbox
def test_a_submission_searching_the_file_system_never_sees_the_bundle(bundle, tmp_path):
    plant = {"attn_canary.txt": "ATTN-CANARY"}  # next to the seed and the wheel: must stay invisible
    root, _, results = run_autograder(bundle, tmp_path, {f"{SDPA}.py": attack_source("fs_search")},
                                      plant=plant)
    output = results["tests"][0]["output"]
    assert "FOUND=" in output, output
    found = found_paths(output)
    leaked = [p for p in found if any(s in p for s in ("autograder", "canary", "CANARY", "attention_judge",
                                                       "_data", "solutions", "/hidden", SEED_FILE))]
    assert not leaked, leaked
    assert results["score"] == 0


@pytest.mark.sandbox
def test_the_seed_is_in_no_environment_argument_or_memory_the_submission_can_read(bundle, tmp_path):
    _, _, results = run_autograder(bundle, tmp_path, {f"{SDPA}.py": attack_source("secret_sweep")})
    output = results["tests"][0]["output"]
    assert "FOUND=" in output, output
    assert str(SEED) not in output and str(SEED) not in json.dumps(results)


@pytest.mark.sandbox
def test_several_problems_make_one_results_file_with_unique_numbers(two_problems, tmp_path):
    _, _, results = run_autograder(two_problems, tmp_path, {f"{SDPA}.py": solution_source(registry.get(SDPA))})
    numbers = [t["number"] for t in results["tests"]]
    assert len(numbers) == len(set(numbers))
    assert {n.split(".")[0] for n in numbers} == {"1", "3"}
    by_problem = results["extra_data"]["problems"]
    assert results["score"] == by_problem[SDPA]["score"] == by_problem[SDPA]["max_score"]
    assert by_problem[MHA]["score"] == 0 and by_problem[MHA]["error"]["kind"] == "bad_submission"
    assert f"{MHA}.py" in by_problem[MHA]["error"]["message"]
    assert results["extra_data"]["max_score"] == by_problem[SDPA]["max_score"] + by_problem[MHA]["max_score"]
    assert all(t["name"].startswith(("Scaled dot-product attention: ", "Multi-head attention: "))
               for t in results["tests"])


@pytest.mark.sandbox
def test_a_single_misnamed_file_is_graded_with_a_note_when_one_problem_is_exported(bundle, tmp_path):
    _, _, results = run_autograder(bundle, tmp_path, {"my_attention.py": solution_source(registry.get(SDPA))})
    assert results["score"] == results["extra_data"]["max_score"]
    assert f"my_attention.py: graded as {SDPA}.py" in results["output"]


@pytest.mark.sandbox
def test_a_notebook_is_graded_from_its_code_cells_with_a_note(bundle, tmp_path):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# my answer"),
                                               nbformat.v4.new_code_cell("%matplotlib inline"),
                                               nbformat.v4.new_code_cell(solution_source(registry.get(SDPA)))])
    _, _, results = run_autograder(bundle, tmp_path, {f"hw1/{SDPA}.ipynb": nbformat.writes(notebook)})
    assert results["score"] == results["extra_data"]["max_score"]
    assert f"hw1/{SDPA}.ipynb: a notebook" in results["output"]


@pytest.mark.sandbox
def test_a_container_without_namespaces_refuses_unless_the_export_allowed_weak_isolation(bundle, wheel,
                                                                                           tmp_path):
    weak_only = {"ATTN_JUDGE_ISOLATION": "weak"}  # how the sandbox behaves where namespaces are forbidden
    _, done, refused = run_autograder(bundle, tmp_path / "refused", {f"{SDPA}.py": WRONG_SDPA}, env=weak_only)
    assert done.returncode == 0, done.stderr
    assert refused["score"] == 0
    assert "Not graded: the grading container could not isolate your code" in refused["output"]
    assert "--allow-weak-isolation" not in refused["output"]  # the instructor's advice is not the student's
    assert "weak isolation was requested" not in refused["output"]  # nor the sandbox's reason, in the log
    assert "the sandbox cannot run here, so nothing is graded: Only weak isolation is available" in done.stderr
    assert refused["extra_data"]["problems"][SDPA]["error"]["kind"] == "grader_error"

    allowing = tmp_path / "allowing.zip"
    export_gradescope(problem_ids=[SDPA], out=allowing, seed=SEED, allow_weak=True, wheel=wheel)
    _, _, graded = run_autograder(allowing, tmp_path / "allowed", {f"{SDPA}.py": WRONG_SDPA}, env=weak_only)
    assert 0 < graded["score"] < graded["extra_data"]["max_score"]
    assert "Isolation of your code: weak" in graded["output"]
    assert "Only weak isolation was available" in graded["output"]


def test_without_attn_judge_the_student_gets_the_not_graded_message(bundle, tmp_path):
    _, done, results = run_autograder(bundle, tmp_path, {f"{SDPA}.py": "x = 1\n"},
                                      env={"ATTN_JUDGE_BIN": str(tmp_path / "missing"),
                                           "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0
    assert results["score"] == 0 and results["tests"] == []
    assert "could not be graded" in results["output"] and "未能评测" in results["output"]


@pytest.mark.sandbox
def test_an_empty_file_is_told_to_start_from_the_course_s_stub_not_from_attn_judge(bundle, tmp_path):
    """A learner on Gradescope has no attn-judge command: the advice is the stub the course gave. The
    same file graded on the command line keeps the command's advice."""
    root, done, results = run_autograder(bundle, tmp_path, {f"{SDPA}.py": "\n"})
    assert done.returncode == 0, done.stderr
    error = results["extra_data"]["problems"][SDPA]["error"]
    assert error["kind"] == "bad_submission"
    assert error["message"] == (f"{SDPA}.py: is empty; start from the stub your course gave you for this problem, "
                                "keep its names, and submit again")
    assert "attn-judge start" not in json.dumps(results, ensure_ascii=False)
    cli = subprocess.run([sys.executable, "-m", "grader.cli", "grade", str(root / "submission" / f"{SDPA}.py"),
                          "--json"], capture_output=True, text=True, timeout=300)
    assert cli.returncode == 0, cli.stderr
    assert (json.loads(cli.stdout)["extra_data"]["error"]["message"]
            == f"{SDPA}.py: is empty; start from 'attn-judge start {SDPA}'")


# ----------------------------------------------------------------------------- finding the files

@pytest.mark.sandbox
def test_a_notebook_that_cannot_be_read_is_not_said_graded_nor_run(bundle, tmp_path):
    """Its note says what is wrong with it, never that its cells were graded; and no isolation is
    claimed for code that never ran."""
    _, _, results = run_autograder(bundle, tmp_path, {f"{SDPA}.ipynb": "{ not json"})
    assert results["score"] == 0 and "not valid JSON" in results["output"]
    assert "a notebook; its code cells were graded" not in results["output"]
    assert "Isolation of your code: not run." in results["output"]


def _found(tmp_path: Path, files: dict[str, str], problems=(SDPA,)):
    write_files(tmp_path / "submission", files)
    return find_submission_files(tmp_path / "submission", [registry.get(p) for p in problems])


def test_the_shallowest_py_file_wins_and_the_others_are_named(tmp_path):
    found = _found(tmp_path, {f"a/{SDPA}.py": "1", f"{SDPA}.ipynb": "2", f"{SDPA}.py": "3"})
    assert found.files == {SDPA: tmp_path / "submission" / f"{SDPA}.py"}
    notes = [n.en for n in found.notes]
    assert any(n.startswith(f"{SDPA}.ipynb: another file") for n in notes)
    assert any(n.startswith(f"a/{SDPA}.py: another file") for n in notes)


def test_an_untouched_starter_py_leaves_the_notebook_beside_it_graded(tmp_path):
    found = _found(tmp_path, {f"{SDPA}.ipynb": "{}", f"{SDPA}.py": registry.get(SDPA).stub()})
    assert found.files == {SDPA: tmp_path / "submission" / f"{SDPA}.ipynb"}
    assert found.notes[0].en == (f"{SDPA}.py: the untouched starter file, so the notebook {SDPA}.ipynb "
                                 "was graded instead")


def test_a_folder_named_like_the_problems_file_is_told_it_is_a_folder(tmp_path):
    found = _found(tmp_path, {f"{SDPA}.py/notes.txt": "my code is in here", "README.md": "hi"})
    assert found.files == {}
    assert [n.en for n in found.notes] == [f"{SDPA}.py: a folder, not a file; hand in the file itself, "
                                           "not a folder of that name"]


def test_a_lone_misnamed_notebook_is_told_its_name_as_a_notebook(tmp_path):
    found = _found(tmp_path, {"HW3 attention.ipynb": "{}"})
    assert found.files == {SDPA: tmp_path / "submission" / "HW3 attention.ipynb"}
    assert f"name your file {SDPA}.ipynb next time" in found.notes[0].en


def test_misnamed_files_are_only_reported_when_several_problems_are_exported(tmp_path):
    found = _found(tmp_path, {"scaled_dot_product_atention.py": "1"}, problems=(SDPA, MHA))
    assert found.files == {}
    assert found.notes[0].en == ("scaled_dot_product_atention.py: not a file this assignment grades "
                                 f"(did you mean {SDPA}.py?); it was not graded")
    assert "没有评测" in found.notes[0].zh


def test_a_problem_file_under_another_extension_or_in_an_archive_is_named_not_passed_over(tmp_path):
    """What Notepad saves (``.py.txt``), an upper-case ``.PY`` and a zip of the files are each told
    what to do; other files (a README, data) say nothing."""
    found = _found(tmp_path, {f"{SDPA}.py.txt": "1", f"{SDPA.upper()}.PY": "1", "work.zip": "1", "README.md": "1"})
    assert found.files == {}
    assert sorted(n.en for n in found.notes) == sorted([
        f"{SDPA}.py.txt: not graded; rename it {SDPA}.py (or hand in a .ipynb notebook)",
        f"{SDPA.upper()}.PY: not graded; rename it {SDPA}.py (or hand in a .ipynb notebook)",
        "work.zip: a zip archive; not graded: hand in the files it holds instead"])
    assert all(CJK.search(n.zh) for n in found.notes)


def test_the_search_never_follows_a_folder_link_nor_goes_deeper_than_three_levels(tmp_path):
    outside = tmp_path / "outside"
    write_files(outside, {f"{SDPA}.py": "1"})
    write_files(tmp_path / "submission", {f"a/b/c/{SDPA}.py": "too deep"})
    (tmp_path / "submission" / "linked").symlink_to(outside, target_is_directory=True)
    too_deep = find_submission_files(tmp_path / "submission", [registry.get(SDPA)])
    assert too_deep.files == {}
    assert [n.en for n in too_deep.notes] == [f"a/b/c/{SDPA}.py: not graded, nested more than 2 folders deep; "
                                             "put it at the top of your submission",  # not left unsaid
                                             "linked: a link to a folder, which is never followed; put the "
                                             "files themselves in your submission"]
    write_files(tmp_path / "submission", {f"a/b/{SDPA}.py": "deep enough"})
    found = find_submission_files(tmp_path / "submission", [registry.get(SDPA)])
    assert found.files == {SDPA: tmp_path / "submission" / "a" / "b" / f"{SDPA}.py"}


def test_the_search_stops_after_2000_entries(tmp_path):
    found = _found(tmp_path, {f"{n:04d}.txt": "" for n in range(2100)})
    assert found.files == {}
    assert [n.en for n in found.notes] == ["the submission holds more than 2000 files and folders; "
                                           "only the first were looked at"]


# ----------------------------------------------------------------------------- the command

def test_the_command_reports_user_mistakes_in_one_line(tmp_path):
    runner = CliRunner()
    unknown = runner.invoke(main, ["export", "gradescope", "multihead_attention",
                                   "--out", str(tmp_path / "a.zip")])
    assert unknown.exit_code == 2 and MHA in unknown.output and "Traceback" not in unknown.output
    folder = runner.invoke(main, ["export", "gradescope", SDPA, "--out", str(tmp_path)])
    assert folder.exit_code == 2 and "is a folder" in folder.output
    wheel = runner.invoke(main, ["export", "gradescope", SDPA, "--out", str(tmp_path / "a.zip"),
                                 "--wheel", str(tmp_path / "nothing.whl")])
    assert wheel.exit_code == 2 and f"--wheel {tmp_path / 'nothing.whl'}: no such file" in wheel.output
    assert not (tmp_path / "a.zip").exists()
    precious = tmp_path / "kv_cache.py"
    precious.write_text("# a student's file\n")
    taken = runner.invoke(main, ["export", "gradescope", SDPA, "--out", str(precious)])
    assert taken.exit_code == 2 and "exists; give the path of a new file" in taken.output
    assert precious.read_text() == "# a student's file\n"
    no_zip = runner.invoke(main, ["export", "gradescope", SDPA, "--out", str(tmp_path / "ag5")])
    assert no_zip.exit_code == 2 and "give a name ending in .zip" in no_zip.output and "ag5.zip" in no_zip.output
    assert not (tmp_path / "ag5").exists()
    not_a_bundle = runner.invoke(main, ["export", "gradescope-run", "--root", str(tmp_path)])
    assert not_a_bundle.exit_code == 2 and "is this an attn-judge export?" in not_a_bundle.output
    assert len(not_a_bundle.output.strip().splitlines()) == 1


@pytest.mark.parametrize("command", ["gradescope", "prairielearn"])
def test_a_problem_named_twice_is_refused(command, tmp_path):
    """Merged in silence, the second name could be a slip for a problem the bundle then lacks."""
    out = tmp_path / ("a.zip" if command == "gradescope" else "course")
    result = CliRunner().invoke(main, ["export", command, SDPA, MHA, SDPA, "--out", str(out)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"{SDPA} is named twice; name each problem once" in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["gradescope", "prairielearn"])
def test_an_out_that_cannot_be_created_is_said_at_once_naming_it(command, tmp_path, monkeypatch):
    """One line naming --out as given, never the temporary beside it, and no traceback; before the
    wheel is built (seconds), with nothing left behind."""
    import grader.exports.gradescope
    import grader.exports.prairielearn

    wheels = []
    for module in (grader.exports.gradescope, grader.exports.prairielearn):
        monkeypatch.setattr(module, "provide_wheel", lambda **kwargs: wheels.append(kwargs) or "x.whl")
    (tmp_path / "F.zip").write_text("")
    name = "a.zip" if command == "gradescope" else "course"
    under_a_file = f"{tmp_path / 'F.zip'} is a file, not a folder, so nothing can be written under it"
    for out, why in [(Path("/proc") / name, "cannot be created there (No such file or directory)"),
                     (Path("/sys") / name, "cannot be created there ("),
                     (tmp_path / "F.zip" / name, under_a_file),
                     (tmp_path / "F.zip" / "sub" / name, under_a_file)]:
        result = CliRunner().invoke(main, ["export", command, SDPA, "--out", str(out)])
        assert result.exit_code == 2 and "Traceback" not in result.output, result.output
        assert f"--out {out}: {why}" in result.output and ".tmp" not in result.output
        assert len(result.output.strip().splitlines()) == 1
    assert wheels == []
    assert [p.name for p in tmp_path.iterdir()] == ["F.zip"]


def test_a_zip_that_cannot_be_written_is_one_message_and_leaves_nothing(wheel, tmp_path, monkeypatch):
    """A disk that fills up while the zip is written: neither a traceback nor a temporary file, and
    no folder the export made for it."""
    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(zipfile.ZipFile, "writestr", no_space)
    out = tmp_path / "new" / "a.zip"
    result = CliRunner().invoke(main, ["export", "gradescope", SDPA, "--out", str(out), "--wheel", str(wheel)])
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert f"--out {out}: writing it failed (No space left on device), so nothing was written" in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["gradescope", "prairielearn"])
@pytest.mark.parametrize("seed", ["-5", str(MAX_SEED + 1), "99999999999999999999999"])
def test_a_seed_grade_would_refuse_is_refused(command, seed, tmp_path):
    """The seed of a bundle is the one an instructor re-grades a file with (grade FILE --seed)."""
    out = tmp_path / ("a.zip" if command == "gradescope" else "course")
    result = CliRunner().invoke(main, ["export", command, SDPA, "--out", str(out), "--seed", seed])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"'--seed': {seed} is not in the range 0<=x<={MAX_SEED}" in result.output
    assert list(tmp_path.iterdir()) == []
    again = CliRunner().invoke(main, ["grade", str(tmp_path / f"{SDPA}.py"), "--seed", seed])
    assert again.exit_code == 2 and f"'--seed': {seed} is not in the range" in again.output


def test_a_wheel_that_pip_would_refuse_or_of_another_version_is_refused_at_export(wheel, tmp_path):
    """--wheel was checked by its name only: a junk file, or a wheel of another version renamed,
    was packed, and the instructor learnt it when the service failed to install it."""
    junk = tmp_path / wheel.name
    junk.write_bytes(b"junk!")
    renamed = tmp_path / "other" / wheel.name.replace(f"-{__version__}-", "-0.0.9-")
    renamed.parent.mkdir()
    renamed.write_bytes(wheel.read_bytes())
    older = tmp_path / "older" / "attention_judge-0.0.9-py3-none-any.whl"
    older.parent.mkdir()
    with zipfile.ZipFile(older, "w") as archive:
        archive.writestr("attention_judge-0.0.9.dist-info/METADATA", "Name: attention-judge\nVersion: 0.0.9\n")
    said = {}
    for given in (junk, renamed, older):
        out = tmp_path / f"{given.parent.name}.zip"
        result = CliRunner().invoke(main, ["export", "gradescope", SDPA, "--out", str(out), "--wheel", str(given)])
        assert result.exit_code == 2 and "Traceback" not in result.output and not out.exists()
        said[given] = " ".join(result.output.split())
    assert f"--wheel {junk}: not a readable wheel" in said[junk]
    assert (f"--wheel {renamed}: its file name says version 0.0.9, but it holds attention-judge {__version__}: "
            "pip refuses a renamed wheel") in said[renamed]
    assert (f"--wheel {older}: holds attention-judge 0.0.9, but this command is attention-judge {__version__}: the "
            "bundle would grade with another version than the one that wrote it") in said[older]


@pytest.mark.parametrize("written", ["-5", str(MAX_SEED + 1), "100000000000000000000000", "12abc", "\xff"])
def test_a_bundle_seed_outside_the_range_the_export_takes_is_refused(written, tmp_path):
    """A bundle's seed file edited by hand: graded without a word before, when the export itself
    takes 0 to 2^63-1 only."""
    (tmp_path / SEED_FILE).write_bytes(written.encode("latin-1") + b"\n")
    with pytest.raises(BundleError) as refused:
        read_seed(tmp_path)
    assert refused.value.text.en == f"{tmp_path / SEED_FILE}: not a seed"
    (tmp_path / SEED_FILE).write_bytes(f"{MAX_SEED}\n".encode())
    assert read_seed(tmp_path) == MAX_SEED


@pytest.mark.parametrize("command", ["gradescope", "prairielearn"])
def test_the_public_default_seed_is_refused(command, tmp_path):
    """--seed 0 is the seed every 'attn-judge grade' uses by default: a bundle with it would grade
    on inputs anyone can reproduce."""
    out = tmp_path / ("a.zip" if command == "gradescope" else "course")
    result = CliRunner().invoke(main, ["export", command, SDPA, "--out", str(out), "--seed", "0"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert ("--seed 0 is the default seed of 'attn-judge grade', which anyone who installs attention-judge can "
            "use") in " ".join(result.output.split())
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["gradescope", "prairielearn"])
@pytest.mark.parametrize("timeout", ["nan", "inf", "1e9", "0.01"])
def test_a_timeout_that_is_no_number_of_seconds_is_refused(command, timeout, tmp_path):
    """As for check and grade: 0.1 s to an hour. A nan timeout passed every comparison and
    switched the bundle's per-test time limit off."""
    out = tmp_path / ("a.zip" if command == "gradescope" else "course")
    result = CliRunner().invoke(main, ["export", command, SDPA, "--out", str(out), "--timeout", timeout])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "--timeout" in result.output and str(float(timeout)) in result.output
    assert list(tmp_path.iterdir()) == []


def test_a_random_seed_is_drawn_and_printed_once_when_none_is_given(wheel, tmp_path):
    result = CliRunner().invoke(main, ["export", "gradescope", SDPA, "--out", str(tmp_path / "a.zip"),
                                       "--wheel", str(wheel)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(tmp_path / "a.zip") as archive:
        seed = int(archive.read(SEED_FILE))
    assert seed != 0 and f"Seed: {seed} " in result.output
    assert 0 < seed <= MAX_SEED
