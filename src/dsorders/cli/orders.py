"""`dsorders orders`: import, export, get and count orders (JSON Lines, the export format)."""

from __future__ import annotations

import json
import os
import sys
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..import_file import Chunk, default_jobs, import_file, plan_chunks
from ..orders_io import DEFAULT_BATCH, ImportError_, ImportReport, Rejected, export_lines, get_record, import_lines
from ..store import NotFoundError, Store
from .common import (
    DbOption,
    JsonOption,
    console,
    err_console,
    fail,
    find_account,
    print_json,
    run_with_store,
    settings_for,
)

app = typer.Typer(
    help="Import, export and look up orders. The file format is JSON Lines: one order a line, the"
    " streamlined `result` object plus `order_id` and `buyer_user_id`.",
    no_args_is_help=True,
)

ZoneOption = Annotated[
    str | None,
    typer.Option(
        "--zone",
        help="The display time zone the file's times are in (IANA name). Default: the service's setting,"
        " DSORDERS_DISPLAY_ZONE, America/Los_Angeles unless set.",
        show_default=False,
    ),
]
AccountOption = Annotated[
    str | None, typer.Option("--account", help="Only the orders of this account (user id or login).")
]
SkipInvalidOption = Annotated[
    bool,
    typer.Option(
        "--skip-invalid",
        help="Import the good lines and skip the bad ones (default: a file with any bad line imports nothing).",
    ),
]
RejectsOption = Annotated[
    Path | None,
    typer.Option(
        "--rejects",
        dir_okay=False,
        help="With --skip-invalid: write each rejected line and its reason here (JSON Lines).",
    ),
]
BatchOption = Annotated[int, typer.Option("--batch-size", min=1, help="Orders written per transaction.")]
SHOWN_REJECTIONS = 10


def _zone(name: str | None) -> ZoneInfo | None:
    if name is None:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        fail(f"unknown time zone {name!r} for --zone; use an IANA name such as America/Los_Angeles.")


def _source(file: str) -> tuple[Path | None, list[Chunk]]:
    """The file to import (None for standard input) and its chunks of lines (none for standard input)."""
    if file == "-":
        return None, []
    path = Path(file)
    if not path.is_file():
        fail(f"no file {file!r}: give the path of a JSON Lines file, or - to read standard input.")
    try:
        return path, plan_chunks(path)
    except OSError as exc:
        fail(f"cannot read {file!r}: {exc.strerror}.")


def _write_rejects(path: Path, rejected: list[Rejected]) -> None:
    with path.open("w", encoding="utf-8") as out:
        for item in rejected:
            line = {"line": item.line, "path": item.path, "reason": item.reason, "text": item.text}
            out.write(json.dumps(line, ensure_ascii=False) + "\n")


def _show_rejections(rejected: list[Rejected]) -> None:
    for item in rejected[:SHOWN_REJECTIONS]:
        err_console.print(f"  {item.describe()}", highlight=False, markup=False)
    if len(rejected) > SHOWN_REJECTIONS:
        err_console.print(f"  … and {len(rejected) - SHOWN_REJECTIONS} more", highlight=False)


def _run_import(db: str | None, path: Path | None, chunks: list[Chunk], zone: ZoneInfo | None,
                skip_invalid: bool, batch_size: int, jobs: int) -> ImportReport:  # fmt: skip
    progress = Progress(
        TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err_console, transient=True, disable=not err_console.is_terminal,
    )  # fmt: skip
    total = None if path is None else sum(chunk.lines for chunk in chunks)
    task = progress.add_task("import", total=total)

    async def action(store: Store) -> ImportReport:
        options: dict[str, Any] = {
            "zone": zone or settings_for(db).zone, "skip_invalid": skip_invalid, "batch_size": batch_size,
            "progress": lambda done: progress.advance(task, done),
        }  # fmt: skip
        with progress:
            if path is None:
                report = await import_lines(store, lambda: iter(sys.stdin.buffer), **options)
            else:
                report = await import_file(store, path, jobs=jobs, chunks=chunks, **options)
            if total is not None:
                progress.update(task, completed=total)
        return report

    return run_with_store(db, action, create=True)


@app.command("import")
def import_(
    file: Annotated[str, typer.Argument(help="A JSON Lines file, or - for standard input.", show_default=False)],
    skip_invalid: SkipInvalidOption = False,
    rejects: RejectsOption = None,
    zone: ZoneOption = None,
    batch_size: BatchOption = DEFAULT_BATCH,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            min=0,
            show_default=False,
            help="Worker processes that check a file's lines. Default: one per CPU; 0 checks them in this process.",
        ),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import orders from a JSON Lines file: validated, then upserted (importing again changes nothing)."""
    if rejects is not None and not skip_invalid:
        fail("--rejects goes with --skip-invalid: without it a file with any bad line imports nothing.")
    tz = _zone(zone)
    try:
        path, chunks = _source(file)
        report = _run_import(db, path, chunks, tz, skip_invalid, batch_size, default_jobs() if jobs is None else jobs)
    except ImportError_ as exc:
        err_console.print(f"[bold red]error:[/] nothing imported: {len(exc.rejected)} bad line(s) in {file}:")
        _show_rejections(exc.rejected)
        if any(item.path == "$.buyer_user_id" and item.reason.startswith("no account") for item in exc.rejected):
            err_console.print("Create missing buyers first: dsorders accounts create --login LOGIN --user-id ID.")
        err_console.print("Fix them, or import the good lines with --skip-invalid --rejects REJECTS.jsonl.")
        raise typer.Exit(1) from None
    except (OSError, BrokenProcessPool) as exc:
        # A full disk for the checked rows, say, or a worker killed: batches already written stay,
        # and importing the same file again completes the job (an import is idempotent).
        fail(
            f"the import stopped: {str(exc).rstrip('.')}. Orders already written stay; import the file again to finish."
        )
    if rejects is not None:
        _write_rejects(rejects, report.rejected)
    summary: dict[str, Any] = {"read": report.read, "imported": report.imported, "rejected": len(report.rejected)}
    if rejects is not None:
        summary["rejects_file"] = str(rejects)
    if as_json:
        print_json(summary)
        return
    if report.rejected and rejects is None:
        err_console.print(f"skipped {len(report.rejected)} bad line(s):")
        _show_rejections(report.rejected)
    written = f", written to {rejects}" if rejects is not None and report.rejected else ""
    console.print(f"Imported {report.imported} orders from {file} ({len(report.rejected)} rejected{written}).")


@app.command("export")
def export(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of standard output.", dir_okay=False)
    ] = None,
    account: AccountOption = None,
    zone: ZoneOption = None,
    db: DbOption = None,
) -> None:
    """Export orders as JSON Lines, by order id; `orders import` reads the file back exactly."""

    async def action(store: Store) -> int:
        user_id = (await find_account(store, account)).user_id if account is not None else None
        target = output.open("wb") if output is not None else sys.stdout.buffer
        count = 0
        try:
            async for line in export_lines(store, user_id=user_id, zone=_zone(zone) or settings_for(db).zone):
                target.write(line + b"\n")
                count += 1
        finally:
            if output is not None:
                target.close()
            else:
                target.flush()
        return count

    try:
        count = run_with_store(db, action)
    except BrokenPipeError:
        # The reader stopped early (`| head`): not an error. Python's final flush of stdout must not fail.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(0) from None
    except OSError as exc:
        fail(f"cannot write the export to {str(output or 'standard output')!r}: {exc.strerror}.")
    if output is not None:
        err_console.print(f"Exported {count} orders to {output}.", highlight=False)


@app.command("get")
def get(
    order_id: Annotated[int, typer.Argument(help="The order id.", min=1, show_default=False)],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Print one order as an export record."""

    async def action(store: Store) -> dict[str, object]:
        try:
            return await get_record(store, order_id)
        except NotFoundError:
            fail(f"no order {order_id} (`dsorders orders export` lists them all).")

    record = run_with_store(db, action)
    if as_json:
        print_json(record)
    else:
        console.print_json(data=record)


@app.command("count")
def count(account: AccountOption = None, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Print how many orders there are (of one account with --account)."""

    async def action(store: Store) -> int:
        user_id = (await find_account(store, account)).user_id if account is not None else None
        return await store.count_orders(user_id=user_id)

    number = run_with_store(db, action)
    if as_json:
        print_json({"count": number})
    else:
        console.print(str(number))
