"""`check`, `lint` and `baseline create`: run the pipeline and write its report."""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from collectlint.api import run_check
from collectlint.cli.app import app, stderr_line
from collectlint.cli.options import (
    AsOfOpt,
    BaselineOpt,
    ConfigOpt,
    DataFormat,
    DataFormatOpt,
    EncodingOpt,
    ExitZeroOpt,
    FailOnOpt,
    IgnoreOpt,
    MapOpt,
    OutputOpt,
    ReportFormat,
    ReportFormatOpt,
    RulesOpt,
    SelectOpt,
    SeverityOpt,
    WaiversOpt,
    check_output,
    check_output_dir,
    parse_instant,
    parse_map,
    progress,
    resolve,
    selection,
    show,
    write,
    write_bundle,
)
from collectlint.errors import UsageError
from collectlint.model import Severity
from collectlint.report import Report
from collectlint.reporters import REPORTERS
from collectlint.suppress import baseline_document

if TYPE_CHECKING:
    from rich.console import RenderableType

baseline_app = typer.Typer(
    help="Record current findings so only new ones fail.", no_args_is_help=True
)
app.add_typer(baseline_app, name="baseline")


class Engine(enum.StrEnum):
    """Where `check` runs the rules."""

    LOCAL = "local"
    SPARK = "spark"


@app.command("check")
def check_command(
    logs: Annotated[
        list[str],
        typer.Argument(help="Contact logs: .csv, .tsv, .jsonl, .parquet, or - for CSV on stdin."),
    ],
    rules: RulesOpt = None,
    output_format: ReportFormatOpt = ReportFormat.TEXT,
    output: OutputOpt = None,
    fail_on: FailOnOpt = None,
    as_of: AsOfOpt = None,
    column_map: MapOpt = None,
    max_rejects: Annotated[
        int | None, typer.Option("--max-rejects", min=0, help="Rejected rows tolerated (0).")
    ] = None,
    assume_timezone: Annotated[
        str | None,
        typer.Option("--assume-timezone", help="IANA zone for timestamps without an offset."),
    ] = None,
    infer_location: Annotated[
        bool | None,
        typer.Option(
            "--infer-location/--no-infer-location",
            help="Also take the consumer's zones and jurisdiction from the phone number, "
            "ZIP code and state (on by default); off, only the timezone and jurisdiction "
            "columns place the consumer.",
        ),
    ] = None,
    encoding: EncodingOpt = None,
    profile: Annotated[
        list[str] | None,
        typer.Option(
            "--profile",
            help="Input profile for source exports (twilio-calls, twilio-messages, "
            "twilio-bulkexport, amazon-connect-ctr, or a file); repeat as PATTERN=PROFILE "
            "for several kinds of export ('calls*.csv=twilio-calls').",
        ),
    ] = None,
    accounts: Annotated[
        str | None,
        typer.Option("--accounts", help="Accounts CSV (phone, account, debtor) the profile joins."),
    ] = None,
    show_pii: Annotated[
        bool, typer.Option("--show-pii", help="Name contacted third parties by number/address.")
    ] = False,
    history: Annotated[
        list[str] | None,
        typer.Option("--history", help="Past logs giving context to a plan (LOGs are the plan)."),
    ] = None,
    config: ConfigOpt = None,
    select: SelectOpt = None,
    ignore: IgnoreOpt = None,
    severity: SeverityOpt = None,
    waivers: WaiversOpt = None,
    baseline: BaselineOpt = None,
    exit_zero: ExitZeroOpt = False,
    explain: Annotated[
        bool, typer.Option("--explain", help="Show the evidence behind each finding.")
    ] = False,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet",
            "-q",
            help="Only the findings and rejected rows: no progress, notes or summary.",
        ),
    ] = False,
    statistics: Annotated[
        bool,
        typer.Option(
            "--statistics",
            help="Counts instead of findings: one line per rule, then by account and by day.",
        ),
    ] = False,
    compare: Annotated[
        str | None,
        typer.Option(
            "--compare",
            help="An earlier run's JSON report: add findings and rates then and now, and the "
            "new and resolved findings.",
        ),
    ] = None,
    output_dir: Annotated[
        Path | None,
        typer.Option(
            "--output-dir",
            help="Also write the auditor's report here: report.html, report.json, "
            "findings.csv and findings.parquet.",
        ),
    ] = None,
    engine: Annotated[
        Engine,
        typer.Option(
            "--engine",
            help="Where the rules run: here, or on Spark (pip install 'collectlint[spark]'; "
            "Java 17+), partition by partition.",
        ),
    ] = Engine.LOCAL,
    master: Annotated[
        str,
        typer.Option("--master", help="Spark master for --engine spark: local[2], yarn, ..."),
    ] = "local[*]",
    partitions: Annotated[
        int | None,
        typer.Option(
            "--partitions",
            min=1,
            help="Parts each stage splits the log into: on Spark (default: 2 per core, and "
            "one per 500,000 rows), or here, for a Parquet log larger than memory (checked a "
            "part at a time, spilled to the temporary folder in between).",
        ),
    ] = None,
    spark_conf: Annotated[
        list[str] | None,
        typer.Option("--spark-conf", help="Spark configuration KEY=VALUE (repeatable)."),
    ] = None,
) -> None:
    """Check contact logs (or a plan, with --history) and report violations."""
    check_output(output, [*logs, *(history or [])])
    check_output_dir(output_dir, [*logs, *(history or [])], output)
    if statistics and output_format is not ReportFormat.TEXT:
        raise UsageError("--statistics is a text report; it cannot be combined with --format")
    compared_formats = (ReportFormat.TEXT, ReportFormat.JSON, ReportFormat.HTML)
    if compare is not None and output_format not in compared_formats and output_dir is None:
        raise UsageError(
            f"--compare: the {output_format.value} format has no place for a comparison "
            "(use text, json or html, or --output-dir)"
        )
    before = None
    if compare is not None:  # a bad earlier report is refused before the check runs
        from collectlint.compare import read_period

        before = read_period(compare)
    options, level = resolve(
        config,
        {
            "rules": rules,
            "map": parse_map(column_map or []),
            "assume_timezone": assume_timezone,
            "infer_location": infer_location,
            "max_rejects": max_rejects,
            "encoding": encoding,
            "profile": profile,
            "accounts": accounts,
            **selection(select, ignore, severity, waivers, baseline),
            "fail_on": fail_on.value if fail_on else None,
        },
    )
    options = replace(
        options,
        as_of=parse_instant("--as-of", as_of),
        show_pii=show_pii,
        history=tuple(history or ()),
    )
    inputs = len(logs) + len(options.history)
    with progress(f"reading and checking {inputs} input(s)…", quiet=quiet):
        if engine is Engine.SPARK:
            from collectlint.spark import check as spark_check

            conf = dict(_pair("--spark-conf", item) for item in spark_conf or [])
            report = spark_check(logs, options, master=master, partitions=partitions, conf=conf)
        else:
            if master != "local[*]" or spark_conf:
                raise UsageError("--master and --spark-conf need --engine spark")
            if partitions is not None:  # a Parquet log larger than memory, a part at a time
                from collectlint.chunked import check as chunked_check

                report = chunked_check(logs, options, parts=partitions)
            else:
                report = run_check(logs, options)
        if before is not None:
            from collectlint.compare import with_comparison

            report = with_comparison(report, before)
    chosen = output_format.value
    if output_format is ReportFormat.TEXT:
        chosen = (
            "statistics" if statistics else "explain" if explain else "quiet" if quiet else "text"
        )
    with progress(f"writing the report ({report.summary.violations} finding(s))…", quiet=quiet):
        if output_dir is not None:
            write_bundle(report, output_dir)
        rendered = REPORTERS[chosen](report)
    emit(report, chosen, output, level, exit_zero, rendered)


def _pair(option: str, item: str) -> tuple[str, str]:
    key, sep, value = item.partition("=")
    if not sep or not key.strip():
        raise UsageError(f"{option}: expected KEY=VALUE, not {item!r}")
    return key.strip(), value


def emit(
    report: Report,
    output_format: str,
    output: Path | None,
    fail_on: Severity,
    exit_zero: bool,
    rendered: RenderableType | str | Iterator[str] | None = None,
) -> None:
    """Render `report` where asked (unless `rendered` already is) and exit with its code."""
    if rendered is None:
        rendered = REPORTERS[output_format](report)
    if isinstance(rendered, str | Iterator):
        write(rendered, output)
    else:
        show(rendered, output)
    code = report.exit_code(fail_on)
    if code == 1 and exit_zero:
        code = 0
    by_file = Counter(r.path for r in report.rejected)
    where = ", ".join(f"{path}: {n}" for path, n in sorted(by_file.items()))
    if code == 2 and report.checked_nothing:
        stderr_line(
            f"error: none of the {report.summary.events_read} rows could be checked ({where}); "
            "see the report's rejected rows"
        )
    elif code == 2:
        stderr_line(
            f"error: {report.summary.events_rejected} rows rejected ({where}; --max-rejects "
            f"{report.max_rejects}); see the report's rejected rows"
        )
    elif report.summary.events_read == 0:
        inputs = ", ".join(i.path for i in report.inputs)
        stderr_line(f"warning: no events to check in {inputs}")
    raise typer.Exit(code)


@app.command("report")
def report_command(
    previous: Annotated[str, typer.Argument(help="The earlier run's JSON report.")],
    current: Annotated[str, typer.Argument(help="The later run's JSON report.")],
    output_format: DataFormatOpt = DataFormat.TEXT,
    output: OutputOpt = None,
) -> None:
    """Compare two runs' JSON reports: findings and rates per rule and per agency, then and
    now, and how many findings are new and how many resolved."""
    check_output(output, [previous, current])
    from collectlint.compare import compare_reports
    from collectlint.reporters import comparison

    found = compare_reports(previous, current)
    if output_format is DataFormat.JSON:
        write(comparison.render_json(found), output)
    else:
        show(comparison.render_text(found), output)


@app.command("lint")
def lint_command(
    templates: Annotated[
        list[str], typer.Argument(help="Template files or directories (.txt .md .html .j2 ...).")
    ],
    rules: RulesOpt = None,
    output_format: ReportFormatOpt = ReportFormat.TEXT,
    output: OutputOpt = None,
    fail_on: FailOnOpt = None,
    as_of: AsOfOpt = None,
    config: ConfigOpt = None,
    select: SelectOpt = None,
    ignore: IgnoreOpt = None,
    severity: SeverityOpt = None,
    waivers: WaiversOpt = None,
    baseline: BaselineOpt = None,
    exit_zero: ExitZeroOpt = False,
) -> None:
    """Check message templates against the wording rules of rule packs."""
    check_output(output)
    options, level = resolve(
        config,
        {
            "rules": rules,
            **selection(select, ignore, severity, waivers, baseline),
            "fail_on": fail_on.value if fail_on else None,
        },
    )
    from collectlint.linting import lint

    report = lint(templates, options=options, as_of=parse_instant("--as-of", as_of))
    emit(report, output_format.value, output, level, exit_zero)


@baseline_app.command("create")
def baseline_create(
    logs: Annotated[
        list[str], typer.Argument(help="Contact logs whose current findings to record.")
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Baseline file to write.")] = Path(
        ".collectlint-baseline.json"
    ),
    rules: RulesOpt = None,
    config: ConfigOpt = None,
    column_map: MapOpt = None,
    encoding: EncodingOpt = None,
    as_of: AsOfOpt = None,
) -> None:
    """Write the fingerprints of the current findings (rule, account, person, event)."""
    check_output(output, logs)
    options, _ = resolve(
        config, {"rules": rules, "map": parse_map(column_map or []), "encoding": encoding}
    )
    options = replace(options, as_of=parse_instant("--as-of", as_of), baseline=None, waivers=None)
    report = run_check(logs, options)
    write(baseline_document(report), output)
    stderr_line(f"recorded {len(report.violations)} findings in {output.as_posix()}")
