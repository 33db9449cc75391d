"""./run.sh: its arguments and port are checked before anything is set up; the error pages,
not Django's debug pages, unless DEBUG=1; a local SECRET_KEY of its own.

Each test runs a copy of run.sh in a temporary folder. Where the script is expected to stop
early, the folder has nothing else, so getting further would show (no scripts/venv.sh, no
.venv). Where it is expected to go on, scripts/venv.sh and `python` are stand-ins that record
what the script asked for instead of installing and serving.
"""

import os
import shutil
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
URL_LINE = "АРМ менеджер CRM: http"


def run_script(folder: Path, *args: str, env: dict[str, str] | None = None):
    started = time.monotonic()
    result = subprocess.run(
        ["bash", str(folder / "run.sh"), *args],
        cwd=folder,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=30,
    )
    return result, time.monotonic() - started


@pytest.fixture
def bare(tmp_path) -> Path:
    """run.sh alone: any step past the checks would fail loudly."""
    shutil.copy(PROJECT / "run.sh", tmp_path / "run.sh")
    return tmp_path


def assert_refused_early(folder: Path, result, seconds: float, message: str, status: int = 2):
    assert result.returncode == status, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("run.sh: ") and message in lines[0], lines[0]
    assert URL_LINE not in result.stdout and result.stdout == ""
    assert not (folder / ".venv").exists()
    assert not (folder / ".run-state").exists()
    assert seconds < 5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port"], "после --port нужен номер порта"),
        (["--port", ""], "после --port нужен номер порта"),
        (["--port="], "после --port= нужен номер порта"),
        (["--port", "abc"], "порт «abc» — не число от 1 до 65535"),
        (["--port=80a"], "порт «80a» — не число от 1 до 65535"),
        (["--port", "-1"], "порт «-1» — не число от 1 до 65535"),
        (["--port", "0"], "порт «0» — не число от 1 до 65535"),
        (["--port", "70000"], "порт «70000» — не число от 1 до 65535"),
        (["--port", "65536"], "порт «65536» — не число от 1 до 65535"),
        (["--port", "99999999999999999999"], "не число от 1 до 65535"),
    ],
)
def test_a_bad_port_argument_is_refused_before_anything_is_set_up(bare, args, message):
    result, seconds = run_script(bare, *args)
    assert_refused_early(bare, result, seconds, message)


def test_a_port_in_use_is_refused_before_anything_is_set_up(bare):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result, seconds = run_script(bare, "--port", str(port))
    assert_refused_early(bare, result, seconds, f"порт {port} уже занят", status=1)


def test_help_prints_the_usage_and_exits_0(bare):
    for flag in ("--help", "-h"):
        result, seconds = run_script(bare, flag)
        assert result.returncode == 0
        assert result.stdout.startswith("Использование: ./run.sh [--port ПОРТ]")
        assert "--port ПОРТ" in result.stdout and "DEBUG=1 ./run.sh" in result.stdout
        assert result.stderr == ""
        assert not (bare / ".venv").exists() and seconds < 5


def test_an_unknown_argument_prints_the_usage_and_exits_2(bare):
    result, seconds = run_script(bare, "--prot", "8080")
    assert result.returncode == 2
    assert result.stderr.startswith("run.sh: неизвестный аргумент «--prot»\nИспользование:")
    assert result.stdout == ""
    assert not (bare / ".venv").exists() and seconds < 5


# --- past the checks, with stand-ins for the environment and Django ------------------------

FAKE_VENV = """\
ensure_venv() { echo "ensure_venv $1" >>calls.log; PATH="$PWD/fakebin:$PATH"; }
"""

FAKE_PYTHON = f"""\
#!/usr/bin/env bash
# Records each manage.py call with the environment run.sh gave it; runs anything else for real.
if [[ "$1" == "-W" ]]; then shift 2; fi
if [[ "$1" == "manage.py" ]]; then
  echo "$* | DEBUG=$DEBUG | SECRET_KEY=$SECRET_KEY" >>calls.log
  exit 0
fi
exec {sys.executable} "$@"
"""


@pytest.fixture
def staged(bare) -> Path:
    (bare / "scripts").mkdir()
    (bare / "scripts" / "venv.sh").write_text(FAKE_VENV)
    (bare / "fakebin").mkdir()
    python = bare / "fakebin" / "python"
    python.write_text(FAKE_PYTHON)
    python.chmod(python.stat().st_mode | stat.S_IXUSR)
    return bare


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def manage_calls(folder: Path) -> list[str]:
    return [line for line in (folder / "calls.log").read_text().splitlines() if "manage.py" in line]


def test_a_good_port_goes_on_to_set_up_migrate_seed_and_serve_without_debug(staged):
    port = free_port()
    clean = {"DEBUG": "", "SECRET_KEY": ""}
    env = {k: v for k, v in os.environ.items() if k not in clean}
    result = subprocess.run(
        ["bash", "run.sh", "--port", str(port)],
        cwd=staged,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert f"{URL_LINE}://127.0.0.1:{port}/" in result.stdout
    assert "Режим отладки" not in result.stdout
    calls = manage_calls(staged)
    assert [c.split(" | ")[0] for c in calls] == [
        "manage.py migrate --noinput",
        "manage.py seed_demo --size S --if-empty",
        f"manage.py runserver 127.0.0.1:{port}",
    ]
    key = (staged / ".run-state" / "secret_key").read_text().strip()
    assert len(key) >= 50
    assert stat.S_IMODE((staged / ".run-state" / "secret_key").stat().st_mode) == 0o600
    for call in calls:
        assert f"| DEBUG=0 | SECRET_KEY={key}" in call

    # The next start keeps the same key (sessions survive a restart).
    (staged / "calls.log").unlink()
    result, _ = run_script(staged, "--port", str(port), env={"SECRET_KEY": "", "DEBUG": ""})
    assert result.returncode == 0
    assert all(f"SECRET_KEY={key}" in call for call in manage_calls(staged))


def test_debug_is_asked_for_with_debug_1_and_a_given_key_is_used(staged):
    port = free_port()
    result, _ = run_script(staged, f"--port={port}", env={"DEBUG": "1", "SECRET_KEY": "given-key"})
    assert result.returncode == 0, result.stderr
    assert "Режим отладки (DEBUG=1)" in result.stdout
    assert f"{URL_LINE}://127.0.0.1:{port}/" in result.stdout
    assert all("| DEBUG=1 | SECRET_KEY=given-key" in call for call in manage_calls(staged))
    assert not (staged / ".run-state").exists()


def test_the_real_scripts_parse():
    for script in ("run.sh", "test.sh", "scripts/venv.sh", ".ci/run"):
        subprocess.run(["bash", "-n", str(PROJECT / script)], check=True)
