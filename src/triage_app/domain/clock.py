"""Timestamps as the store keeps them: UTC, ISO 8601, millisecond precision."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> str:
    """Return the current UTC time, e.g. 2026-12-04T20:35:45.123Z."""
    return format_utc(datetime.now(UTC))


def format_utc(moment: datetime) -> str:
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )
