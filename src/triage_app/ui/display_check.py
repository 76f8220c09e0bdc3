"""Checks made before Qt starts, because Qt aborts the process when it cannot open a window.

Qt's xcb platform plugin (Linux, X11) loads system libraries that a fresh Debian or Ubuntu
machine may lack, and without any display it cannot start at all. Both end in an abort with a
core dump; these checks turn them into a one-line reason and what to install.
"""

from __future__ import annotations

import ctypes.util
import os
import sys

# Library name for ctypes.util.find_library, and the Debian package that ships it.
XCB_LIBRARIES = {
    "xcb-cursor": "libxcb-cursor0",
    "xcb-icccm": "libxcb-icccm4",
    "xcb-image": "libxcb-image0",
    "xcb-keysyms": "libxcb-keysyms1",
    "xcb-randr": "libxcb-randr0",
    "xcb-render-util": "libxcb-render-util0",
    "xcb-shape": "libxcb-shape0",
    "xcb-xkb": "libxcb-xkb1",
    "xkbcommon-x11": "libxkbcommon-x11-0",
}


def display_problem(environ: dict[str, str] | None = None) -> str | None:
    """Return why the window cannot open on this machine, or None when it should open."""
    environ = dict(os.environ) if environ is None else environ
    if not sys.platform.startswith("linux"):
        return None

    platform = environ.get("QT_QPA_PLATFORM", "")
    if platform and not platform.startswith("xcb"):
        return None
    if not environ.get("DISPLAY") and not environ.get("WAYLAND_DISPLAY"):
        return (
            "no display found (DISPLAY is not set); run triage-app in a desktop session, "
            "or build the store only with `triage-app demo --no-window`"
        )
    if platform.startswith("xcb") or not environ.get("WAYLAND_DISPLAY"):
        missing = [
            package for library, package in XCB_LIBRARIES.items()
            if ctypes.util.find_library(library) is None
        ]  # fmt: skip
        if missing:
            return (
                "Qt's xcb platform plugin needs system libraries that are missing; install them "
                f"with: sudo apt-get install {' '.join(missing)}"
            )
    return None
