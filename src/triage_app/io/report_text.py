"""The report as plain-text tables for the terminal."""

from __future__ import annotations

from triage_app.domain.rates import Rate
from triage_app.domain.report import Report

CONFUSED_PAIRS_SHOWN = 15
LABELS_SHOWN = 15


def _number(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _rate(value: Rate) -> str:
    if value.value is None:
        return "-"
    return (
        f"{value.value:.1%} ({value.successes}/{value.total}, "
        f"95% CI {value.lower:.1%}-{value.upper:.1%})"
    )


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(header, widths, strict=True))]
    lines.append("  ".join("-" * width for width in widths))
    for row in rows:
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    return lines


def format_report(report: Report) -> str:
    """Return the report as aligned text tables."""
    if report.decisions == 0:
        return (
            "No accept or overturn decisions match this filter, so there is nothing to measure "
            "yet. Review some items, or widen --reviewer, --since, --until or "
            "--taxonomy-version."
        )

    c = report.classification
    lines = [
        f"Decisions: {report.decisions}    Reviewed items: {report.reviewed_items}",
        f"Overturn rate: {_rate(report.overturn)}",
        f"Overturn rate, last {report.recent_window} decisions: {_rate(report.overturn_recent)}",
        f"Accuracy: {_number(c.accuracy)}    Macro F1: {_number(c.macro_f1)}    "
        f"Micro F1: {_number(c.micro_f1)}",
        "",
        "Per class (model against human labels), worst F1 first:",
    ]
    per_class = sorted(c.per_class.items(), key=lambda entry: (entry[1].f1, entry[0]))
    lines += _table(
        ["label", "precision", "recall", "f1", "support", "predicted"],
        [
            [label, _number(s.precision), _number(s.recall), _number(s.f1), str(s.support),
             str(s.predicted)]
            for label, s in per_class
        ],
    )  # fmt: skip

    lines += ["", f"Most confused pairs (top {CONFUSED_PAIRS_SHOWN}):"]
    if c.confused_pairs:
        lines += _table(
            ["human label", "model label", "items"],
            [[p.human, p.model, str(p.count)] for p in c.confused_pairs[:CONFUSED_PAIRS_SHOWN]],
        )
    else:
        lines.append("none: the model agreed with every human label")

    cal = report.calibration
    lines += [
        "",
        f"Calibration over {cal.items} items: ECE {_number(cal.ece)}, MCE {_number(cal.mce)}, "
        f"Brier {_number(cal.brier)}",
    ]
    lines += _table(
        ["confidence", "items", "mean confidence", "accuracy"],
        [
            [f"{b.lower:.2f}-{b.upper:.2f}", str(b.count), _number(b.mean_confidence),
             _number(b.accuracy)]
            for b in cal.bins
        ],
    )  # fmt: skip

    lines += ["", "Overturn rate by reviewer:"]
    lines += _table(
        ["reviewer", "overturn rate", "decisions/hour", "median time"],
        [
            [
                reviewer,
                _rate(value),
                _number(report.pace[reviewer].decisions_per_hour, 0),
                "-"
                if report.pace[reviewer].median_ms is None
                else f"{report.pace[reviewer].median_ms / 1000:.1f} s",
            ]
            for reviewer, value in report.overturn_by_reviewer.items()
        ],
    )

    lines += ["", f"Overturn rate by suggested label (highest {LABELS_SHOWN}):"]
    by_label = sorted(
        report.overturn_by_model_label.items(),
        key=lambda entry: (-(entry[1].value or 0.0), entry[0]),
    )
    lines += _table(
        ["suggested label", "overturn rate"],
        [[label, _rate(value)] for label, value in by_label[:LABELS_SHOWN]],
    )

    lines += ["", *_agreement_lines(report)]

    lines += ["", "Overturn rate by day (UTC):"]
    lines += _table(
        ["day", "overturn rate"], [[d.day, _rate(d.rate)] for d in report.overturn_by_day]
    )
    return "\n".join(lines)


def _agreement_lines(report: Report) -> list[str]:
    agreement = report.agreement
    if agreement.items == 0:
        return ["Agreement: no item was labelled by two or more reviewers."]

    def interval(values: tuple[float, float] | None) -> str:
        return "" if values is None else f" (95% CI {values[0]:.3f} to {values[1]:.3f})"

    lines = [
        f"Agreement over {agreement.items} items labelled by two or more reviewers:",
        f"  percent agreement {_number(agreement.percent)}",
        f"  Fleiss' kappa {_number(agreement.fleiss_kappa)}"
        f"{interval(agreement.fleiss_kappa_interval)} over {agreement.fleiss_items} items with "
        f"{agreement.fleiss_raters} ratings each",
        f"  Krippendorff's alpha {_number(agreement.krippendorff_alpha)}"
        f"{interval(agreement.krippendorff_alpha_interval)}",
        f"  Gwet's AC1 {_number(agreement.gwet_ac1)}",
    ]
    if agreement.low:
        lines.append(
            "  Reviewers agree on less than 80 % of shared items: fix the taxonomy before "
            "trusting these labels."
        )
    lines += _table(
        ["reviewer a", "reviewer b", "items", "agreement", "Cohen's kappa"],
        [[p.a, p.b, str(p.n), _number(p.percent), _number(p.cohen_kappa)] for p in agreement.pairs],
    )
    return lines
