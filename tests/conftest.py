"""Settings every test needs before Qt starts: no display, and no user files touched."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

# Tests drive real windows without a display; a developer's DISPLAY must not pop them up.
os.environ["QT_QPA_PLATFORM"] = "offscreen"
# QSettings and the default store live under these folders; a test run must not read or change
# the user's own.
_home = tempfile.mkdtemp(prefix="triage-app-tests-")
os.environ["XDG_CONFIG_HOME"] = os.path.join(_home, "config")
os.environ["XDG_DATA_HOME"] = os.path.join(_home, "data")


@pytest.fixture
def run_cli(tmp_path: Path):
    """Return a function that runs `python -m triage_app` with arguments in tmp_path.

    The subprocess's default store and settings folders are under tmp_path, so a test never
    touches the user's own.
    """
    env = {
        **os.environ,
        "XDG_DATA_HOME": str(tmp_path / "xdg-data"),
        "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"),
    }

    def run(*args: object) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "triage_app", *map(str, args)],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=env,
            timeout=120,
            check=False,
        )

    return run
