"""``grader serve --out DIR``: start the review app on a local port and print its address with the key.

Bound to 127.0.0.1 unless ``--host`` says otherwise; the folder's key and
last port are reused, so a restart is invisible to open tabs. uvicorn stops
on Ctrl-C (SIGINT) or SIGTERM after the requests in flight (1 s at most);
files in DIR not yet rewritten are listed for the next start, and the
command exits 0 at once. Several
servers may share one folder: the gradebook refuses a save made from a stale
page, whichever server it came through.
"""
from __future__ import annotations

import argparse
import html
import ipaddress
import os
import signal
import socket
import sys
import tempfile
import webbrowser
from pathlib import Path

from grader.cli.assignment import assignment_from
from grader.core.errors import GraderError
from grader.classroom.gradebook import Gradebook

def serve_arguments(serve: argparse.ArgumentParser) -> None:
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default 127.0.0.1: this machine only)")
    serve.add_argument("--port", type=int, default=0, help="port to listen on (default 0: any free port)")
    serve.add_argument("--no-browser", action="store_true", help="print the address without opening a browser")
    serve.add_argument("--anonymous", action="store_true",
                       help="anonymous review: the review queue and answer groups show a handle instead of each "
                            "student's id (ids stay in the CSV export, results.json and feedback pages)")
    # The command line's server ends its process once stopped (see _exit_now); a caller in Python does not.
    serve.set_defaults(exit_when_stopped=True)


def _opener(out: Path, url: str) -> str:
    """A file:// address of a page (readable by its owner only) that sends the browser on to ``url``: the
    browser's command line, which any local user can read, then holds no key."""
    page = Path(out) / ".serve-open.html"
    descriptor, temporary = tempfile.mkstemp(prefix=".serve-open.", suffix=".html", dir=out)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(f'<!DOCTYPE html><meta charset="utf-8"><meta http-equiv="refresh" content="0;url={html.escape(url)}">'
                     f'<title>grader serve</title><a href="{html.escape(url)}">Open the review app</a>\n')
    os.replace(temporary, page)
    return page.resolve().as_uri()


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit it: without it a kept-alive connection waits ~40 ms per response
    # (the headers and body go out as two writes, and the second waits for the client's delayed ACK).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise GraderError(f"cannot listen on {host}:{port} ({exc.strerror}); choose another --port, or 0 for any "
                          "free one") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class _Stop(Exception):
    """SIGTERM, turned into an exception that ends ``run_serve`` like Ctrl-C does."""


def _raise_stop(signum, frame):
    raise _Stop


def run_serve(args) -> int:
    # Imported here: the web stack is needed by this command only, not by every grader command's start-up.
    import uvicorn

    from grader.serve.guard import Guard
    from grader.serve.pages import create_app
    from grader.serve.refresh import OutputRefresher
    from grader.serve.store import ClassStore

    with Gradebook(args.out, create=False) as gradebook:
        assignment = assignment_from(args, recorded=gradebook.assignment_folder())
    # The folder's key and last port: a restarted server answers the tabs left open as if nothing happened.
    guard = Guard.for_folder(args.out)
    sock = _listen_again(args.host, args.port, args.out)
    url = f"http://{_address(args.host, sock.getsockname()[1])}{guard.root}/"
    refresher = OutputRefresher(args.out, assignment)
    app = create_app(ClassStore(args.out, assignment), guard, refresher, anonymous=args.anonymous)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False,
                                           timeout_graceful_shutdown=1))
    previous = signal.signal(signal.SIGTERM, _raise_stop)
    try:
        if not _loopback(args.host):
            print(f"grader serve: listening on {args.host}, beyond this machine, over plain HTTP: anyone who "
                  "sees the address below can use it", file=sys.stderr)
        # The socket already listens: requests made as soon as the address is printed wait for the server.
        print(f"Reviewing {args.out} ({assignment.name}). Open:\n  {url}\nCtrl-C stops it.", flush=True)
        if not args.no_browser:
            webbrowser.open(_opener(args.out, url))
        refresher.start()
        # uvicorn catches SIGINT/SIGTERM itself, shuts down, then raises the signal again once its
        # handlers are restored: KeyboardInterrupt for Ctrl-C, _Stop for SIGTERM. One that comes before
        # it runs ends here the same way.
        server.run(sockets=[sock])
    except (KeyboardInterrupt, _Stop):
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        sock.close()
    # Stopping never waits for files: the gradebook holds every review, and what is left is rewritten
    # on the next start (or by `grader export`).
    left = refresher.stop()
    if left:
        print(f"grader serve stopped; reviews are in the gradebook. The files of {left} reviewed students in "
              f"{args.out} are rewritten on the next start, or now by `grader export --out {args.out}`.",
              file=sys.stderr)
    else:
        print("grader serve stopped; reviews are in the gradebook and the files in the folder are up to date.",
              file=sys.stderr)
    if getattr(args, "exit_when_stopped", False):
        _exit_now(0)
    return 0


def _exit_now(code: int) -> None:
    """End the process without the interpreter's teardown: with torch and the web stack loaded it takes
    seconds on a busy machine, and Ctrl-C must give the prompt back at once. Everything is written and
    closed by now (gradebook, socket, the list of files to rewrite); only the output buffers are left."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


PORT_FILE = ".serve-port"


def _listen_again(host: str, port: int, out_dir: Path) -> socket.socket:
    """With no --port, the port this folder was last served on when it is free (open tabs reconnect),
    else any free one; the port is remembered for the next start."""
    remembered = Path(out_dir) / PORT_FILE
    sock = None
    if port == 0:
        try:
            sock = _listen(host, int(remembered.read_text().strip()))
        except (OSError, ValueError, GraderError):
            sock = None
    sock = sock or _listen(host, port)
    try:
        remembered.write_text(f"{sock.getsockname()[1]}\n")
    except OSError:
        pass
    return sock


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"
