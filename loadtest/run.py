"""Drive the running app with many concurrent clients through its API, on loopback only.

    python loadtest/run.py [--clients 50] [--seconds 60] [--rounds 1] [--port 7871] [--out FILE]

Starts ``ecs-tutor serve`` on 127.0.0.1, waits until it answers, then runs ``--clients`` threads,
each with its own gradio_client, calling ``/check`` and ``/ask`` in turn with questions and claims
from data/eval/ for ``--seconds`` (``--rounds`` times). Prints requests served, errors, latency
percentiles and the server's memory after a short warm-up and after each round, and writes them
as JSON. Bounded in count and time.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from gradio_client import Client

PROJECT = Path(__file__).resolve().parent.parent
MAX_CLIENTS, MAX_SECONDS, MAX_ROUNDS = 200, 600, 10
WARM_UP_SECONDS = 10.0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    clients = min(args.clients, MAX_CLIENTS)
    seconds = min(args.seconds, MAX_SECONDS)
    rounds = max(1, min(args.rounds, MAX_ROUNDS))
    texts = _texts()
    server = _start_server(args.port)
    try:
        url = f"http://127.0.0.1:{args.port}/"
        ready = _wait_ready(url, server, timeout=120)
        _drive(url, 2, WARM_UP_SECONDS, texts)  # first requests allocate; measure after them
        rss_before = _rss_mb(server.pid)
        results, rss_rounds = [], []
        for _ in range(rounds):  # memory after each round: growth that levels off, or does not
            results += _drive(url, clients, seconds, texts)
            rss_rounds.append(_rss_mb(server.pid))
        rss_after = rss_rounds[-1]
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    latencies = sorted(ms for ok, ms in results if ok)
    report = {
        "clients": clients,
        "seconds": seconds * rounds,
        "app_ready_s": round(ready, 2),
        "requests": len(results),
        "errors": sum(1 for ok, _ in results if not ok),
        "requests_per_s": round(len(results) / (seconds * rounds), 1),
        "latency_ms": {
            "p50": _percentile(latencies, 50),
            "p95": _percentile(latencies, 95),
            "p99": _percentile(latencies, 99),
            "mean": round(statistics.fmean(latencies), 1) if latencies else None,
        },
        "server_rss_mb": {"before": rss_before, "after": rss_after, "after_each_round": rss_rounds},
    }
    print(json.dumps(report, indent=1))
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return 1 if report["errors"] else 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0, help="length of one round")
    parser.add_argument(
        "--rounds", type=int, default=1, help="rounds back to back (memory after each)"
    )
    parser.add_argument("--port", type=int, default=7871)
    parser.add_argument("--out", help="write the figures here as JSON")
    return parser


def _texts() -> list[tuple[str, str]]:
    """(api name, text) pairs from the evaluation sets."""
    texts = []
    for name, key, api in (("claims", "claim", "/check"), ("questions", "question", "/ask")):
        path = PROJECT / "data" / "eval" / f"{name}.jsonl"
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.append((api, json.loads(line)[key]))
    return texts


def _start_server(port: int) -> subprocess.Popen:
    env = dict(os.environ, HF_HUB_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False")
    command = [str(PROJECT / ".venv" / "bin" / "ecs-tutor"), "serve", "--port", str(port)]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait_ready(url: str, server: subprocess.Popen, timeout: float) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if server.poll() is not None:
            raise SystemExit(f"the server exited: {server.stderr.read().decode()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return time.perf_counter() - started
        except OSError:
            time.sleep(0.25)
    raise SystemExit(f"the server did not answer within {timeout:.0f}s")


def _drive(url: str, clients: int, seconds: float, texts: list) -> list[tuple[bool, float]]:
    results: list[tuple[bool, float]] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client(seed: int) -> None:
        rng = random.Random(seed)
        session = Client(url, verbose=False)
        try:
            while time.perf_counter() < deadline:
                api, text = rng.choice(texts)
                started = time.perf_counter()
                try:
                    if api == "/ask":
                        session.predict(text, [], api_name=api)
                    else:
                        session.predict(text, api_name=api)
                    ok = True
                except Exception as exc:  # any failure counts as an error, and is shown
                    print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
                    ok = False
                with lock:
                    results.append((ok, (time.perf_counter() - started) * 1000))
        finally:
            session.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    position = min(len(values) - 1, max(0, round(q / 100 * len(values)) - 1))
    return round(values[position], 1)


def _rss_mb(pid: int) -> float:
    """Resident memory of the process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


if __name__ == "__main__":
    sys.exit(main())
