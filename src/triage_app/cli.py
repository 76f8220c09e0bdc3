"""The triage-app command: open the review window, build the demo, import and export."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import platformdirs

from triage_app import __version__
from triage_app.domain.report_options import DEFAULT_BINS, DEFAULT_RECENT
from triage_app.io.export import FORMATS, write_decisions
from triage_app.io.items_file import read_items
from triage_app.io.problems import InputFileError
from triage_app.io.taxonomy_file import read_taxonomy
from triage_app.store.errors import StoreError
from triage_app.store.store import Store

logger = logging.getLogger("triage_app")


def default_store_path() -> Path:
    return Path(platformdirs.user_data_dir("triage-app", appauthor=False)) / "triage.db"


def _add_db_option(
    parser: argparse.ArgumentParser, *, top_level: bool = False, creates: bool = True
) -> None:
    # A subcommand's default must not overwrite a --db given before the subcommand's name.
    what = "SQLite store to use; created if missing" if creates else "SQLite store to read"
    parser.add_argument(
        "--db",
        type=Path,
        default=None if top_level else argparse.SUPPRESS,
        metavar="PATH",
        help=f"{what} (default: {default_store_path()})",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="triage-app",
        description="Review the items an LLM text classifier escalated, with the keyboard. "
        "Without a command, opens the review window on the store.",
    )
    _add_db_option(parser, top_level=True)
    parser.add_argument(
        "--reviewer",
        metavar="NAME",
        help="name recorded on every decision (default: the name given last time; asked once)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log every decision to stderr")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = commands.add_parser(
        "demo",
        help="build a demo store from banking77 and open it",
        description="Train a local scikit-learn classifier on the banking77 train split, "
        "classify the test split, store the escalated messages and open the review window.",
    )
    _add_db_option(demo)
    demo.add_argument(
        "--reviewer",
        metavar="NAME",
        default=argparse.SUPPRESS,
        help="name recorded on every decision",
    )
    demo.add_argument(
        "--no-window", action="store_true", help="only build the store; do not open the window"
    )

    adjudicator = commands.add_parser(
        "adjudicate",
        help="open the window on the items where reviewers disagree",
        description="A lead reviews the items where reviewers' labels differ, lowest agreement "
        "first, seeing each reviewer's label; the lead's decision becomes the final label.",
    )
    _add_db_option(adjudicator)
    adjudicator.add_argument(
        "--reviewer",
        metavar="NAME",
        default=argparse.SUPPRESS,
        help="the lead's name recorded on every decision",
    )

    importer = commands.add_parser(
        "import",
        help="import items, or reviewers' earlier labels, from a JSONL or CSV file",
        description="Import items with their suggestions. The whole file is checked first; "
        "a file with any invalid line imports nothing. Ids already in the store are not "
        "added twice. A CSV file with the columns item_id, reviewer, label and optionally "
        "decided_at contains labels that reviewers gave items already in the store; each row "
        "is logged as that reviewer's decision, once.",
    )
    importer.add_argument(
        "file",
        type=Path,
        metavar="FILE",
        help="items file, .jsonl or .csv, or annotations file, .csv",
    )
    _add_db_option(importer)
    importer.add_argument(
        "--taxonomy",
        type=Path,
        metavar="FILE",
        help="taxonomy file (.yaml, .yml or .json) to store and check labels against "
        "(default: the newest taxonomy already in the store)",
    )

    reporter = commands.add_parser(
        "report",
        help="print overturn rate, per-class metrics, confusions and calibration",
        description="Measure the model and the reviewers from the decision log. Figures are "
        "defined in docs/metrics.md.",
    )
    _add_db_option(reporter, creates=False)
    reporter.add_argument("--json", action="store_true", help="print JSON instead of tables")
    reporter.add_argument(
        "--reviewer",
        dest="filter_reviewer",
        metavar="NAME",
        help="only this reviewer's decisions",
    )
    reporter.add_argument(
        "--since",
        type=_date,
        metavar="DATE",
        help="only decisions on or after this UTC day (YYYY-MM-DD)",
    )
    reporter.add_argument(
        "--until",
        type=_date,
        metavar="DATE",
        help="only decisions on or before this UTC day (YYYY-MM-DD)",
    )
    reporter.add_argument(
        "--taxonomy-version",
        metavar="VERSION",
        help="only decisions on suggestions made with this taxonomy version",
    )
    reporter.add_argument(
        "--bins",
        type=_positive_int,
        default=DEFAULT_BINS,
        metavar="N",
        help=f"equal-width calibration bins (default {DEFAULT_BINS})",
    )
    reporter.add_argument(
        "--recent",
        type=_positive_int,
        default=DEFAULT_RECENT,
        metavar="N",
        help=f"window of the recent overturn rate, in decisions (default {DEFAULT_RECENT})",
    )

    project = commands.add_parser(
        "project",
        help="show or set the project id, review overlap and this store's part",
        description="Show the store's project settings, or change them. Stores merge only "
        "within one project. Overlap items are chosen from the project and item ids, so every "
        "store of the project picks the same ones.",
    )
    _add_db_option(project)
    project.add_argument("--id", dest="project_id", metavar="ID", help="set the project id")
    project.add_argument(
        "--overlap",
        type=float,
        metavar="SHARE",
        help="share of items (0 to 1, e.g. 0.2) that several reviewers label independently",
    )
    project.add_argument(
        "--overlap-reviewers",
        type=_positive_int,
        metavar="N",
        help="reviewers per overlap item (default 2)",
    )
    project.add_argument(
        "--part",
        metavar="K/N",
        help="this store reviews part K of N of the other items, e.g. 1/2 for the first of two "
        "reviewers working on separate stores",
    )

    exporter = commands.add_parser(
        "export",
        help="write every decision event to a file",
        description="Write every decision event (accept, overturn, skip, retract), oldest first.",
    )
    _add_db_option(exporter, creates=False)
    exporter.add_argument("--format", choices=FORMATS, required=True, help="output format")
    exporter.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        metavar="FILE",
        help="file to write, replaced if it exists; - writes to standard output",
    )

    bundler = commands.add_parser(
        "bundle",
        help="write the store's decisions to one file for a team lead to merge",
        description="Write every decision event of the store (accept, overturn, skip, "
        "retract, by every reviewer), with the items, suggestions and taxonomy versions they "
        "refer to, to one file that `triage-app merge` reads. The file contains item texts.",
    )
    _add_db_option(bundler, creates=False)
    bundler.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        metavar="FILE",
        help="bundle file to write, replaced if it exists",
    )
    bundler.add_argument(
        "--reviewer",
        dest="bundle_reviewer",
        metavar="NAME",
        help="only this reviewer's decisions (default: every reviewer's)",
    )

    merger = commands.add_parser(
        "merge",
        help="merge bundles into a team store",
        description="Add the decisions of each bundle that the store does not contain yet, "
        "with their items, suggestions and taxonomy versions. Each bundle is merged in one "
        "transaction; merging a bundle again adds nothing. A new store takes the project id "
        "of the first bundle.",
    )
    merger.add_argument(
        "files",
        type=Path,
        nargs="+",
        metavar="FILE",
        help="bundle files written by `triage-app bundle`",
    )
    _add_db_option(merger)
    return parser


def _count(number: int, noun: str) -> str:
    """Return e.g. "1 decision" or "3 decisions"."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid date {text!r}; use YYYY-MM-DD") from None


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"invalid number {text!r}; use a whole number >= 1")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    db = args.db or default_store_path()

    try:
        if args.command == "demo":
            return _demo(db, reviewer=args.reviewer, window=not args.no_window)
        if args.command == "adjudicate":
            return _open_window(db, reviewer=args.reviewer, adjudicate=True)
        if args.command == "import":
            return _import(db, args.file, args.taxonomy)
        if args.command == "report":
            return _report(db, args)
        if args.command == "project":
            return _project(db, args)
        if args.command == "export":
            return _export(db, args.output, args.format)
        if args.command == "bundle":
            return _bundle(db, args.output, reviewer=args.bundle_reviewer)
        if args.command == "merge":
            return _merge(db, args.files)
        return _open_window(db, reviewer=args.reviewer)
    except (InputFileError, StoreError) as error:
        print(f"triage-app: {error}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader of standard output stopped early, as `head` does; that is not a failure.
        sys.stderr.close()
        return 0
    except OSError as error:
        print(f"triage-app: {error.filename or ''}: {error.strerror}", file=sys.stderr)
        return 1


def _prepare_folder(db: Path) -> None:
    db.parent.mkdir(parents=True, exist_ok=True)


def _demo(db: Path, *, reviewer: str | None, window: bool) -> int:
    from triage_app.demo.banking77 import build_demo

    _prepare_folder(db)
    summary = build_demo(db)
    print(
        f"Demo store {summary.path}: {summary.escalated} of {summary.test_messages} banking77 "
        f"test messages escalated, {summary.gold_decisions} banking77 labels logged as "
        f"decisions, {summary.queued} items waiting in the queue; built in "
        f"{summary.seconds:.1f} s."
    )
    if not window:
        return 0
    return _open_window(db, reviewer=reviewer)


def _import(db: Path, path: Path, taxonomy_path: Path | None) -> int:
    from triage_app.io.annotations_file import (
        add_annotations,
        is_annotations_file,
        read_annotations,
    )

    if is_annotations_file(path):
        if taxonomy_path is not None:
            raise StoreError(
                f"{path} is an annotations file, and each of its labels is checked against "
                "the taxonomy of its item; import it without --taxonomy"
            )
        if not db.exists():
            raise StoreError(
                f"store {db} not found; annotations label items already in a store, so import "
                "the items first or pass the store with --db PATH"
            )
        with Store(db) as store:
            annotations = read_annotations(path, store)
            logged = add_annotations(store, annotations.annotations, path=path)
        print(
            f"Imported {path}: {_count(logged.added, 'decision')} by "
            f"{_count(logged.reviewers, 'reviewer')}, {logged.already_present} already present."
        )
        return 0

    # Check the files before the store is opened, so a failed import creates no store.
    if taxonomy_path is not None:
        taxonomy = read_taxonomy(taxonomy_path)
        items = read_items(path, taxonomy)
    elif not db.exists():
        raise StoreError(
            f"store {db} not found, and without a taxonomy it cannot be created; pass the "
            "taxonomy file with --taxonomy FILE"
        )

    _prepare_folder(db)
    with Store(db) as store:
        if taxonomy_path is None:
            taxonomy = store.taxonomy()
            if taxonomy is None:
                raise StoreError(
                    f"{db} has no taxonomy yet; pass the taxonomy file with --taxonomy FILE"
                )
            items = read_items(path, taxonomy)

        with store.transaction():
            store.add_taxonomy(taxonomy)
            summary = store.add_items(items)
            logged = None
            if items.annotations:
                logged = add_annotations(store, items.annotations, path=path)

    print(
        f"Imported {path}: {_count(summary.added, 'new item')}, "
        f"{_count(summary.resuggested, 'new suggestion')} for known items, "
        f"{summary.unchanged} unchanged (taxonomy {taxonomy.version})."
    )
    if logged is not None:
        print(
            f"Annotations: {_count(logged.added, 'decision')} by "
            f"{_count(logged.reviewers, 'reviewer')}, {logged.already_present} already present."
        )
    return 0


def _export(db: Path, output: Path, format: str) -> int:
    if not db.exists():
        raise StoreError(f"store {db} not found; pass the store with --db PATH")
    if str(output) == "-":
        with Store(db) as store:
            write_decisions(store.decisions(), sys.stdout, format=format)
        return 0

    if not output.parent.is_dir():
        raise StoreError(
            f"cannot write {output}: folder {output.parent} not found; create it first"
        )
    with Store(db) as store:
        count = write_decisions(store.decisions(), output, format=format)
    print(f"Wrote {count} decision events to {output}.")
    return 0


def _report(db: Path, args: argparse.Namespace) -> int:
    from triage_app.domain.report import build_report
    from triage_app.domain.report_filter import ReportFilter
    from triage_app.io.report_text import format_report
    from triage_app.store.facts_query import load_decision_facts

    if not db.exists():
        raise StoreError(f"store {db} not found; pass the store with --db PATH")
    report_filter = ReportFilter(
        reviewer=args.filter_reviewer,
        since=args.since,
        until=args.until,
        taxonomy_version=args.taxonomy_version,
    )
    with Store(db) as store:
        facts = load_decision_facts(store)
    report = build_report(facts, report_filter, bins=args.bins, recent=args.recent)

    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        print(format_report(report))
    return 0


def _project(db: Path, args: argparse.Namespace) -> int:
    from dataclasses import replace

    _prepare_folder(db)
    with Store(db) as store:
        if args.project_id is not None:
            store.set_project_id(args.project_id)

        overlap = store.overlap
        if args.overlap is not None:
            overlap = replace(overlap, share=args.overlap)
        if args.overlap_reviewers is not None:
            overlap = replace(overlap, reviewers=args.overlap_reviewers)
        if args.part is not None:
            part, _, parts = args.part.partition("/")
            if not (part.isdigit() and parts.isdigit()):
                raise StoreError(f"invalid part {args.part!r}; write it as K/N, e.g. 1/2")
            overlap = replace(overlap, part=int(part), parts=int(parts))
        if overlap != store.overlap:
            try:
                store.set_overlap(overlap)
            except ValueError as error:
                raise StoreError(str(error)) from None

        counts = store.queue_counts()
        print(f"Store:    {db} (store id {store.store_id})")
        print(f"Project:  {store.project_id}")
        print(
            f"Overlap:  {overlap.share:.0%} of items labelled by {overlap.reviewers} reviewers "
            f"each; this store reviews part {overlap.part} of {overlap.parts} of the others"
        )
        print(f"Queue:    {counts.pending} of {counts.total} items pending")
    return 0


def _bundle(db: Path, output: Path, *, reviewer: str | None) -> int:
    from triage_app.store.bundle import write_bundle

    if not db.exists():
        raise StoreError(f"store {db} not found; pass the store with --db PATH")
    if not output.parent.is_dir():
        raise StoreError(
            f"cannot write {output}: folder {output.parent} not found; create it first"
        )
    if output.exists() and output.resolve() == db.resolve():
        raise StoreError(f"cannot write the bundle to {output}, the store itself; name a new file")

    with Store(db) as store:
        summary = write_bundle(store, output, reviewer=reviewer)
    authors = reviewer if reviewer else _count(summary.reviewers, "reviewer")
    print(
        f"Wrote bundle {output}: {_count(summary.decisions, 'decision event')} by {authors}, "
        f"{_count(summary.items, 'item')}, {_count(summary.suggestions, 'suggestion')}, "
        f"{_count(summary.taxonomy_versions, 'taxonomy version')} (project "
        f"{summary.project_id}, store id {summary.store_id})."
    )
    return 0


def _merge(db: Path, files: list[Path]) -> int:
    from triage_app.store.bundle import merge_bundle, read_bundle_header

    # Check every file before the store is opened, so a wrong name creates no store.
    for path in files:
        read_bundle_header(path)

    created = not db.exists()
    _prepare_folder(db)
    with Store(db) as store:
        if created:
            print(f"Created store {db}.")
        for path in files:
            summary = merge_bundle(store, path)
            if summary.project_adopted:
                print(f"Store {db} now belongs to project {summary.project_id}.")
            print(
                f"Merged {path}: {_count(summary.decisions_added, 'decision')} added, "
                f"{summary.decisions_present} already present, "
                f"{_count(summary.items_added, 'item')} added."
            )
    return 0


def _open_window(db: Path, *, reviewer: str | None, adjudicate: bool = False) -> int:
    from triage_app.ui.app import run_window

    _prepare_folder(db)
    return run_window(db, reviewer=reviewer, adjudicate=adjudicate)
