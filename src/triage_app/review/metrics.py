"""Load the decision log and compute the report, for work off the GUI thread."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from triage_app.domain.facts import DecisionFacts
from triage_app.domain.report import Report, build_report
from triage_app.domain.report_filter import ReportFilter
from triage_app.store.facts_query import load_decision_facts
from triage_app.store.store import Store


@dataclass(frozen=True)
class ReportResult:
    facts: DecisionFacts
    report: Report


def compute_report(
    path: str | Path, report_filter: ReportFilter, facts: DecisionFacts | None = None
) -> ReportResult:
    """Compute the report; read the store at `path` unless `facts` are given.

    Opens its own connection, so it may run on any thread.
    """
    if facts is None:
        with Store(path) as store:
            facts = load_decision_facts(store)
    return ReportResult(facts=facts, report=build_report(facts, report_filter))
