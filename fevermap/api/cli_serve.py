"""``fevermap serve``: prepare the regions once, then run uvicorn workers forked from the prepared process.

The parent process loads every region and builds its router (:mod:`fevermap.regions.prepared`), migrates the
database, binds the listening socket and forks the workers. Each worker starts with the routers already in memory,
shared with its siblings copy-on-write: a worker is ready as soon as its application has started (no per-worker
region load or contraction), and the machine holds the routers once, not once per worker. The parent supervises:
a worker that dies is forked again from the same prepared state; SIGTERM or SIGINT stops the workers (each finishes
its requests) and then the parent. With one worker the server runs in the prepared process itself.

uvicorn's own ``--workers`` model spawns fresh interpreters (``multiprocessing`` "spawn"), each of which would load
and contract every region again; gunicorn's ``--preload`` would fork after importing the application but ASGI
lifespans (where the routers are built) run only in the workers.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sys
import time
from pathlib import Path
from types import FrameType

import click

from fevermap import __version__

#: A worker that exits sooner than this after its start counts as failing to start.
_QUICK_EXIT_S = 10.0
#: After this many quick exits in a row the server stops instead of forking again.
_MAX_QUICK_EXITS = 5
#: Seconds the workers get to finish their requests after SIGTERM before they are killed.
_STOP_GRACE_S = 30.0


def serve_regions(
    region: list[Path] | None, regions: Path | None, host: str, port: int, workers: int, log_level: str
) -> None:
    """Prepare the regions, then serve them with ``workers`` forked uvicorn workers (see the module docstring)."""
    import uvicorn

    import fevermap.api.app  # noqa: F401  imported once here, so the workers inherit it
    from fevermap.clinics.demo import ensure_demo_clinics
    from fevermap.clinics.registry import ClinicRegistry
    from fevermap.config import get_settings
    from fevermap.regions import prepared
    from fevermap.regions.catalog import regions_from

    given = [p.resolve() for p in region or []]
    paths = regions_from(given, regions.resolve() if regions else None)
    if given:  # the application reads the same regions from the environment
        os.environ["FEVERMAP_REGION"] = str(given[0])
        os.environ["FEVERMAP_REGION_LIST"] = json.dumps([str(p) for p in given[1:]])
    if regions is not None:
        os.environ["FEVERMAP_REGIONS"] = str(regions.resolve())
    settings = get_settings()
    started = time.perf_counter()
    ready = prepared.prepare(paths, settings.max_snap_m)  # refuses broken regions, naming them, before any worker
    with ClinicRegistry.open() as registry:  # migrate the database once, before the workers start
        for path, reg in zip(paths, ready.loaded, strict=True):
            if path is None:
                ensure_demo_clinics(registry, reg)
    names = ", ".join(r.name for r in ready.loaded)
    click.echo(f"fevermap {__version__} on http://{host}:{port}/ (docs: /docs), regions: {names} (prepared in "
               f"{time.perf_counter() - started:.1f} s); © OpenStreetMap contributors", err=True)  # fmt: skip
    config = uvicorn.Config("fevermap.api.app:create_app", factory=True, host=host, port=port, log_level=log_level)
    if workers <= 1:
        uvicorn.Server(config).run()
        return
    sock = config.bind_socket()
    code = _supervise(config, sock, workers)
    sock.close()
    if code:
        raise click.exceptions.Exit(code)


def _run_worker(config: object, sock: socket.socket) -> None:
    """In a forked child: serve on the inherited socket until told to stop, then leave without the parent's exits."""
    import uvicorn

    code = 0
    try:
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGCHLD):
            signal.signal(sig, signal.SIG_DFL)
        assert isinstance(config, uvicorn.Config)
        uvicorn.Server(config).run(sockets=[sock])
    except BaseException as exc:  # a worker must never return into the parent's code
        print(f"fevermap worker {os.getpid()} failed: {exc!r}", file=sys.stderr, flush=True)
        code = 3
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _supervise(config: object, sock: socket.socket, workers: int) -> int:
    """Fork ``workers`` workers, fork again any that dies, stop them all on SIGTERM/SIGINT; the exit code."""
    children: dict[int, float] = {}  # pid -> start time
    stopping = False
    failed = False
    quick_exits = 0

    def fork() -> None:
        pid = os.fork()
        if pid == 0:
            _run_worker(config, sock)
        children[pid] = time.monotonic()

    def stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            _signal(pid, signal.SIGTERM)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        for _ in range(workers):
            fork()
        deadline: float | None = None
        while children:
            if stopping and deadline is None:
                deadline = time.monotonic() + _STOP_GRACE_S
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                if deadline is not None and time.monotonic() > deadline:
                    for child in list(children):
                        _signal(child, signal.SIGKILL)
                time.sleep(0.2)
                continue
            began = children.pop(pid, None)
            if began is None or stopping:
                continue
            code = os.waitstatus_to_exitcode(status)
            quick_exits = quick_exits + 1 if time.monotonic() - began < _QUICK_EXIT_S else 0
            if quick_exits >= _MAX_QUICK_EXITS:
                print(f"fevermap: workers keep exiting at start (last code {code}); stopping", file=sys.stderr)
                failed = True
                stop(signal.SIGTERM, None)
                continue
            print(f"fevermap: worker {pid} exited ({code}); starting another", file=sys.stderr, flush=True)
            fork()
        return 1 if failed else 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _signal(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)
