"""Facts about the machine and the code that a benchmark's figures depend on."""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
from pathlib import Path

BENCHMARKS_DIR = Path(__file__).resolve().parent


def base_facts() -> dict[str, str]:
    """Collect the CPU, cores, memory, OS, Python and SQLite versions and the code's commit."""
    return {
        "CPU": cpuinfo_model(),
        "cores": f"{os.cpu_count()} logical, {len(os.sched_getaffinity(0))} usable by this process",
        "memory": meminfo_total(),
        "OS": f"{os_release()}, Linux {platform.release()}",
        "Python": f"{platform.python_version()} ({platform.python_implementation()})",
        "SQLite": sqlite3.sqlite_version,
        "code": code_version(),
    }


def code_version() -> str:
    """Return the commit of the checkout under test, noting uncommitted changes in src/."""
    root = BENCHMARKS_DIR.parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        changes = subprocess.run(
            ["git", "status", "--porcelain", "--", "src"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return f"commit {commit}" + (", with uncommitted changes in src/" if changes else "")


def cpuinfo_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def meminfo_total() -> str:
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemTotal:"):
                    return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def os_release() -> str:
    try:
        return platform.freedesktop_os_release().get("PRETTY_NAME", "Linux")
    except OSError:
        return platform.system()
