"""Settings every test needs before Qt starts: no display, and no user files touched."""

import os
import tempfile

# Tests drive real windows without a display; a developer's DISPLAY must not pop them up.
os.environ["QT_QPA_PLATFORM"] = "offscreen"
# QSettings and the default store live under these folders; a test run must not read or change
# the user's own.
_home = tempfile.mkdtemp(prefix="triage-app-tests-")
os.environ["XDG_CONFIG_HOME"] = os.path.join(_home, "config")
os.environ["XDG_DATA_HOME"] = os.path.join(_home, "data")
