"""triage-app: review the items an LLM text classifier escalated."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("triage-app")
except PackageNotFoundError:
    __version__ = "unknown"
