"""`scripts/bench`: options, the run, and the figures as a table or as JSON."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path
from typing import Any, NoReturn

from . import load
from .run import SRC, Options, run

MAX_ORDERS = 10_000_000
MAX_DURATION = 3600  # the calls are signed once, and their timestamps stay valid for 7200 s
DEFAULT_BASELINE = Path(os.environ.get("DSORDERS_BENCH_BASELINE") or SRC.parent.parent / "shared/bench/baseline_app.py")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="scripts/bench",
        description="Load the baseline and dsorders' order.get with wrk, in turn, under the same granian; "
        "print requests/s, p50/p99 latency, errors and the ratio dsorders/baseline.",
    )
    p.add_argument("--shape", choices=["streamlined", "wrapped"], default="streamlined")
    p.add_argument(
        "--document",
        choices=["baseline", "seed"],
        default="baseline",
        help="the order every call reads: the baseline's own SEED_RESULT, so both servers send the same"
        " order (default), or the seed page's fuller example (about twice the bytes)",
    )
    p.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    p.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/test",
                   help=f"a PostgreSQL server to create (and drop) the database {'dsorders_bench'} on")  # fmt: skip
    p.add_argument("--orders", type=int, default=100_000, help=f"orders to seed, 1 to {MAX_ORDERS:,}")
    p.add_argument("--workers", type=int, default=1, help="granian workers, for both servers")
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--threads", type=int, default=2, help="wrk threads")
    p.add_argument(
        "--duration", type=float, default=10, help=f"seconds of measured load per round (max {MAX_DURATION})"
    )
    p.add_argument("--warmup", type=float, default=2, help="seconds of unmeasured load before each measurement")
    p.add_argument("--rounds", type=int, default=3, help="alternate baseline/dsorders this many times; report medians")
    p.add_argument("--calls", type=int, default=10_000, help="distinct pre-signed calls to rotate over")
    p.add_argument("--memory", action="store_true", help="sample the workers' resident size before, during and after")
    p.add_argument(
        "--baseline",
        type=Path,
        default=DEFAULT_BASELINE,
        help="the baseline app (default: $DSORDERS_BENCH_BASELINE, else ../shared/bench/baseline_app.py)",
    )
    p.add_argument("--wrk", help="path of the wrk binary (default: wrk on PATH)")
    p.add_argument("--granian-arg", action="append", default=[], metavar="ARG",
                   help="an extra granian flag for both servers (repeatable): --granian-arg=--loop=uvloop")  # fmt: skip
    p.add_argument("--pin", action="store_true",
                   help="keep the servers on the first half of the CPUs and wrk on the rest (taskset), so the"
                        " load generator does not compete with the server it measures")  # fmt: skip
    p.add_argument("--fresh", action="store_true", help="re-seed the cached SQLite database")
    p.add_argument("--keep", action="store_true", help="keep the run's folder (server logs, calls, wrk script)")
    p.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    return p


def fail(message: str) -> NoReturn:
    print(f"bench: {message}", file=sys.stderr)
    raise SystemExit(2)


def _cpus(pin: bool) -> tuple[str | None, str | None]:
    """With --pin: the servers' CPUs and wrk's, as taskset lists; needs taskset and two CPUs or more."""
    if not pin:
        return None, None
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2 or shutil.which("taskset") is None:
        fail("--pin needs at least two CPUs and taskset (util-linux)")
    half = len(cpus) // 2
    return ",".join(map(str, cpus[:half])), ",".join(map(str, cpus[half:]))


def options_from(args: argparse.Namespace) -> Options:
    if not 1 <= args.orders <= MAX_ORDERS:
        fail(f"--orders must be between 1 and {MAX_ORDERS:,}")
    if not 0 < args.duration <= MAX_DURATION or not 0 <= args.warmup <= 60:
        fail(f"--duration must be in (0, {MAX_DURATION}] seconds and --warmup in [0, 60]")
    if min(args.workers, args.connections, args.threads, args.rounds, args.calls) < 1:
        fail("--workers, --connections, --threads, --rounds and --calls must be at least 1")
    if args.threads > args.connections:
        fail("--threads cannot exceed --connections (wrk needs a connection per thread)")
    if not args.baseline.is_file():
        fail(f"no baseline app at {args.baseline}; pass its path with --baseline PATH")
    try:
        wrk = load.find_wrk(args.wrk)
    except load.LoadError as exc:
        fail(str(exc))
    server_cpus, wrk_cpus = _cpus(args.pin)
    return Options(
        shape=args.shape, backend=args.backend, orders=args.orders, workers=args.workers,
        connections=args.connections, duration=args.duration, warmup=args.warmup, rounds=args.rounds,
        threads=args.threads, calls=args.calls, baseline=args.baseline.resolve(), pg_url=args.pg_url, wrk=wrk,
        memory=args.memory, fresh=args.fresh, document=args.document, granian_args=tuple(args.granian_arg),
        server_cpus=server_cpus, wrk_cpus=wrk_cpus,
    )  # fmt: skip


def table(f: dict[str, Any]) -> str:
    rows = [
        f"order.get {f['shape']}, {f['backend']}, {f['orders']:,} orders, {f['workers']} worker(s), "
        f"{f['connections']} connections, {f['duration_s']:g} s x {f['rounds']} round(s), wrk -t{f['wrk_threads']}",
        f"{'':10}{'requests/s':>12}{'p50 ms':>9}{'p99 ms':>9}{'requests':>11}{'errors':>8}",
    ]
    for name in ("baseline", "dsorders"):
        rows.append(f"{name:10}{f[name + '_rps']:>12,.0f}{f[name + '_p50_ms']:>9.2f}{f[name + '_p99_ms']:>9.2f}"
                    f"{f[name + '_requests']:>11,}{f[name + '_errors']:>8,}")  # fmt: skip
    rows.append(
        f"ratio dsorders/baseline: {f['ratio']:.3f} requests/s, {f['p99_ratio']:.2f} p99 (median of the rounds' ratios)"
    )
    rows.append(f"ratio in each round: {', '.join(f'{r:.3f}' for r in f['round_ratios'])}; "
                f"load average after: {' '.join(str(x) for x in f['load_average'])}")  # fmt: skip
    for name in ("baseline", "dsorders"):
        if f[name + "_errors"]:
            rows.append(f"{name} errors: {f[name + '_socket_errors']} socket, {f[name + '_non_2xx']} non-2xx, "
                        f"{f[name + '_bad_replies']} bad replies; first: {f[name + '_first_bad_reply']}")  # fmt: skip
        if name + "_rss_mb" in f:
            rss = f[name + "_rss_mb"]
            rows.append(f"{name} worker RSS MB: before {rss['before']:.1f}, peak {rss['peak']:.1f}, "
                        f"after {rss['after']:.1f} over {int(rss['requests']):,} requests")  # fmt: skip
    rows.append(f"dsorders served from {f['dsorders_src']}")
    return "\n".join(rows)


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    options = options_from(args)
    signal.signal(signal.SIGTERM, _terminate)  # stop the servers on a plain `kill` too
    workdir = Path(tempfile.mkdtemp(prefix="dsorders-bench-run-"))
    try:
        figures = run(options, workdir)
    except KeyboardInterrupt:
        print("bench: interrupted; servers stopped", file=sys.stderr)
        return 130
    except (RuntimeError, OSError) as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"bench: run folder kept at {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(figures) if args.json else table(figures))
    if figures["baseline_errors"] or figures["dsorders_errors"]:
        print("bench: some calls failed: these figures do not measure order.get", file=sys.stderr)
        return 1
    return 0
