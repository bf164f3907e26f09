"""One benchmark run: data, both servers, the load in alternating rounds, and the figures."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from ..store import OrderRow, make_store
from . import calls, load, seed
from .servers import Server, free_port, granian_command

Backend = Literal["sqlite", "postgresql"]
PG_DATABASE = "dsorders_bench"
SRC = Path(__file__).resolve().parents[2]  # the `src` folder whose dsorders is benchmarked


@dataclass(frozen=True)
class Options:
    shape: calls.Shape
    backend: Backend
    orders: int
    workers: int
    connections: int
    duration: float
    warmup: float
    rounds: int
    threads: int
    calls: int
    baseline: Path
    pg_url: str
    wrk: str
    memory: bool
    fresh: bool
    document: seed.Document = "baseline"
    server_cpus: str | None = None  # with --pin: the servers on these CPUs, wrk on the others
    wrk_cpus: str | None = None
    granian_args: tuple[str, ...] = ()
    log: Callable[[str], None] = field(default=lambda message: print(message, file=sys.stderr, flush=True))


@dataclass
class Target:
    name: str
    server: Server
    paths: Path
    check: load.Check
    results: list[load.Result] = field(default_factory=list)
    rss_mb: dict[str, float] = field(default_factory=dict)


def run(options: Options, workdir: Path) -> dict[str, Any]:
    """Run the whole benchmark; every server started is stopped before this returns or raises."""
    with ExitStack() as stack:
        db_url = _prepare_store(options, stack)
        world = asyncio.run(seed.add_world(db_url))
        ids = seed.owned_ids(options.orders, options.calls)
        baseline_db = _prepare_baseline(options)
        targets = [
            _baseline_target(options, workdir, baseline_db, ids),
            _dsorders_target(options, workdir, db_url, world, ids),
        ]
        for target in targets:
            options.log(f"starting {target.name} on {target.server.base}")
            stack.callback(target.server.stop)
            target.server.start()
            _preflight(options, target, workdir)
        for round_no in range(options.rounds):
            for target in targets:
                _measure(options, target, workdir, round_no)
        return _figures(options, targets)


def _prepare_store(options: Options, stack: ExitStack) -> str:
    if options.backend == "sqlite":
        return str(
            asyncio.run(seed.seeded_sqlite(options.orders, options.log, _template(options), fresh=options.fresh))
        )
    if importlib.util.find_spec("dsorders.store.postgresql") is None:
        raise RuntimeError("this checkout has no PostgreSQL store (dsorders.store.postgresql); use --backend sqlite")
    url = _database_url(options.pg_url, PG_DATABASE)
    asyncio.run(_recreate_database(options.pg_url, PG_DATABASE))
    stack.callback(lambda: asyncio.run(_drop_database(options.pg_url, PG_DATABASE)))
    options.log(f"seeding {options.orders:,} orders into {url}")
    asyncio.run(_seed_url(url, options))
    return url


async def _seed_url(url: str, options: Options) -> None:
    store = make_store(url)
    await store.open()
    try:
        await seed.seed(store, options.orders, options.log, _template(options))
    finally:
        await store.close()


def _database_url(url: str, database: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + database))


async def _recreate_database(admin_url: str, database: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(admin_url)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{database}"')
    finally:
        await connection.close()


async def _drop_database(admin_url: str, database: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(admin_url)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    finally:
        await connection.close()


def _template(options: Options) -> OrderRow:
    return seed.template_row(options.document, options.baseline)


def _prepare_baseline(options: Options) -> Path:
    """The baseline's own database, seeded by its own code once, before it serves."""
    db = seed.cache_dir() / f"baseline-{options.orders}.db"
    options.log(f"preparing the baseline's database {db}")
    done = subprocess.run(
        [sys.executable, "-c", "import baseline_app"], cwd=options.baseline.parent,
        env=calls.baseline_env(db, options.orders), capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"the baseline could not seed {db}: {done.stderr.strip()}")
    return db


def _baseline_target(options: Options, workdir: Path, db: Path, ids: list[int]) -> Target:
    paths = workdir / "baseline.calls"
    calls.write_baseline_calls(paths, options.baseline, ids)
    env = calls.baseline_env(db, options.orders)
    env["PYTHONPATH"] = _pythonpath(options.baseline.parent)
    command = granian_command("baseline_app:app", free_port(), options.workers, options.granian_args,
                              options.server_cpus)  # fmt: skip
    server = Server("baseline", command, env, options.baseline.parent, workdir / "baseline.log", "/")
    return Target("baseline", server, paths, calls.CHECKS["baseline"])


def _dsorders_target(options: Options, workdir: Path, db_url: str, world: seed.World, ids: list[int]) -> Target:
    paths = workdir / "dsorders.calls"
    calls.write_dsorders_calls(paths, world, ids, options.shape)
    env = {**os.environ, "DSORDERS_DB": db_url, "PYTHONPATH": _pythonpath(SRC)}
    command = granian_command("dsorders.gateway.asgi:app", free_port(), options.workers, options.granian_args,
                              options.server_cpus)  # fmt: skip
    server = Server("dsorders", command, env, workdir, workdir / "dsorders.log", "/healthz")
    return Target("dsorders", server, paths, calls.CHECKS[options.shape])


def _pythonpath(first: Path) -> str:
    rest = os.environ.get("PYTHONPATH")
    return f"{first}{os.pathsep}{rest}" if rest else str(first)


def _wrk(options: Options, target: Target, workdir: Path, seconds: float) -> load.Result:
    script = workdir / "calls.lua"
    if not script.exists():
        script.write_text(load.LUA)
    return load.run_wrk(options.wrk, target.server.base, target.paths, target.check, script=script,
                        threads=options.threads, connections=options.connections, seconds=seconds,
                        cpus=options.wrk_cpus)  # fmt: skip


def _preflight(options: Options, target: Target, workdir: Path) -> None:
    """One second of load must succeed before any figure is taken: a misconfiguration stops here."""
    result = _wrk(options, target, workdir, 1)
    if result.requests == 0 or result.errors:
        raise RuntimeError(
            f"{target.name} failed its first calls ({result.errors} errors of {result.requests}); "
            f"first bad reply: {result.sample_error or '(none)'}\n{target.server.log_tail()}"
        )


def _measure(options: Options, target: Target, workdir: Path, round_no: int) -> None:
    if options.warmup > 0:
        _wrk(options, target, workdir, options.warmup)
    if options.memory and round_no == 0:
        target.rss_mb["before"] = max(target.server.worker_rss_mb(), default=0.0)
    with _sampling(target.server, options.memory) as peak:
        options.log(f"loading {target.name} for {options.duration:.0f} s (round {round_no + 1} of {options.rounds})")
        result = _wrk(options, target, workdir, options.duration)
    target.results.append(result)
    if options.memory:
        target.rss_mb["peak"] = max(target.rss_mb.get("peak", 0.0), peak[0])
        target.rss_mb["after"] = max(target.server.worker_rss_mb(), default=0.0)
        target.rss_mb["requests"] = target.rss_mb.get("requests", 0) + result.requests


@contextmanager
def _sampling(server: Server, enabled: bool, every: float = 0.5) -> Iterator[list[float]]:
    """The highest worker RSS seen while the block runs (in MB), in a one-item list."""
    peak = [0.0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], *server.worker_rss_mb(), 0.0)
            stop.wait(every)

    thread = threading.Thread(target=sample, daemon=True) if enabled else None
    if thread is not None:
        thread.start()
    try:
        yield peak
    finally:
        stop.set()
        if thread is not None:
            thread.join()


def _median(values: list[float]) -> float:
    return float(statistics.median(values))


def _paired(base: list[load.Result], ours: list[load.Result], figure: str) -> float:
    """The median of each round's ratio: rounds minutes apart on a busy machine pair up best with each other."""
    pairs = [(getattr(b, figure), getattr(o, figure)) for b, o in zip(base, ours, strict=True)]
    ratios = [o / b for b, o in pairs if b]
    return round(_median(ratios), 3) if ratios else 0.0


def _figures(options: Options, targets: list[Target]) -> dict[str, Any]:
    base, ours = targets
    base_rps, our_rps = _median([r.rps for r in base.results]), _median([r.rps for r in ours.results])
    base_p99, our_p99 = _median([r.p99_ms for r in base.results]), _median([r.p99_ms for r in ours.results])
    figures: dict[str, Any] = {
        "baseline_rps": round(base_rps, 1),
        "dsorders_rps": round(our_rps, 1),
        "ratio": _paired(base.results, ours.results, "rps"),
        "baseline_p99_ms": round(base_p99, 2),
        "dsorders_p99_ms": round(our_p99, 2),
        "shape": options.shape,
        "backend": options.backend,
        "orders": options.orders,
        "workers": options.workers,
        "connections": options.connections,
        "p99_ratio": _paired(base.results, ours.results, "p99_ms"),
        "baseline_p50_ms": round(_median([r.p50_ms for r in base.results]), 2),
        "dsorders_p50_ms": round(_median([r.p50_ms for r in ours.results]), 2),
        "duration_s": options.duration,
        "rounds": options.rounds,
        "wrk_threads": options.threads,
        "calls": options.calls,
        "round_ratios": [
            round(o.rps / b.rps, 3) if b.rps else None for b, o in zip(base.results, ours.results, strict=True)
        ],
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "dsorders_src": str(SRC / "dsorders"),
    }
    for target in targets:
        figures[f"{target.name}_requests"] = sum(r.requests for r in target.results)
        figures[f"{target.name}_errors"] = sum(r.errors for r in target.results)
        figures[f"{target.name}_socket_errors"] = sum(r.socket_errors for r in target.results)
        figures[f"{target.name}_non_2xx"] = sum(r.non_2xx for r in target.results)
        figures[f"{target.name}_bad_replies"] = sum(r.bad_replies for r in target.results)
        figures[f"{target.name}_first_bad_reply"] = next((r.sample_error for r in target.results if r.sample_error), "")
        if target.rss_mb:
            figures[f"{target.name}_rss_mb"] = {k: round(v, 1) for k, v in target.rss_mb.items()}
    figures["finished_at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    return figures
