"""A class server scaled out, tested on loopback: replicas behind HAProxy, many signed-in learners
reviewing at once, and one replica killed half-way.

    python loadtest/cluster.py [--learners 100] [--seconds 60] [--replicas 2] [--db URL]
                               [--out docs/loadtest-cluster.json]

It makes a new database on the PostgreSQL server at ``--db`` (default: ``TEST_POSTGRES_URL``)
and an account for each learner, starts ``--replicas`` servers (``ecs-tutor serve --accounts``)
on that database and Debian's HAProxy in front of them (a cookie keeps each learner on one
replica, as Gradio's event streams need; HAProxy sends them to another when theirs is gone).
Each learner, in a thread with its own HTTP client, signs in and answers quiz cards through the
app's API until the time is up. Half-way, one replica is killed (SIGKILL). At the end every
review the server acknowledged must be in the database: the report counts the acknowledged
reviews, the stored ones, and any acknowledged but missing (it must be 0). It prints and writes
the figures: rounds (a card fetched and answered), errors before the kill, in rounds in flight
when it came, and after it, latency, memory per replica. Nothing
leaves 127.0.0.1; the database is dropped afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import create_engine, make_url, text

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from tutor.study.accounts import Accounts  # noqa: E402
from tutor.web.signin import COOKIE  # noqa: E402

MAX_LEARNERS, MAX_SECONDS = 300, 600
PROXY_PORT, FIRST_PORT = 7890, 7891
PASSWORD = "a class server load test"
READY_SECONDS = 180.0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    learners = min(args.learners, MAX_LEARNERS)
    seconds = min(args.seconds, MAX_SECONDS)
    admin_url = args.db or os.environ.get("TEST_POSTGRES_URL", "")
    if not admin_url:
        raise SystemExit("give --db postgresql+psycopg://… (or set TEST_POSTGRES_URL)")
    if shutil.which("haproxy") is None:
        raise SystemExit("needs Debian's haproxy (apt-get install haproxy)")
    name = f"ecs_tutor_cluster_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        return _run(url, learners, seconds, args.replicas, args.out)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def _run(url: str, learners: int, seconds: float, replicas: int, out: str | None) -> int:
    names = [f"learner{n:03d}" for n in range(learners)]
    accounts = Accounts(url)
    for learner in names:
        accounts.add(learner, PASSWORD)
    accounts.close()
    with tempfile.TemporaryDirectory(prefix="ecs-tutor-cluster-") as scratch:
        servers = [
            _start_replica(url, FIRST_PORT + n, Path(scratch) / f"r{n}") for n in range(replicas)
        ]
        proxy = None
        try:
            started = time.perf_counter()
            for n, server in enumerate(servers):
                _wait_ready(f"http://127.0.0.1:{FIRST_PORT + n}/signin", server)
            ready = time.perf_counter() - started
            proxy = _start_proxy(Path(scratch), replicas)
            _wait_ready(f"http://127.0.0.1:{PROXY_PORT}/signin", proxy)
            report = _drive(names, seconds, servers)
            report["replicas_ready_s"] = round(ready, 1)
        finally:
            if proxy is not None:
                proxy.terminate()
            for server in servers:
                if server.poll() is None:
                    server.send_signal(signal.SIGINT)
            for server in servers:
                try:
                    server.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    server.kill()
    report["stored"] = _stored(url)
    acked = report.pop("acked_by_learner")
    stored = report["stored"]
    report["reviews"] = {
        "acknowledged": sum(acked.values()),
        "stored": sum(stored.values()),
        "acknowledged_not_stored": sum(max(0, acked[n] - stored.get(n, 0)) for n in acked),
        "stored_not_acknowledged": sum(max(0, stored.get(n, 0) - acked[n]) for n in acked),
    }
    del report["stored"]
    print(json.dumps(report, indent=1))
    if out:
        Path(out).write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return 1 if report["reviews"]["acknowledged_not_stored"] else 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--replicas", type=int, default=2, choices=range(2, 5))
    parser.add_argument("--db", help="a PostgreSQL server's SQLAlchemy URL (a database on it)")
    parser.add_argument("--out", help="write the figures here as JSON")
    return parser


def _start_replica(url: str, port: int, folder: Path) -> subprocess.Popen:
    env = dict(
        os.environ,
        HF_HUB_OFFLINE="1",
        GRADIO_ANALYTICS_ENABLED="False",
        ECS_TUTOR_DATA=str(folder / "data"),
    )
    command = [
        str(PROJECT / ".venv" / "bin" / "ecs-tutor"),
        "serve",
        "--accounts",
        "--db",
        url,
        "--port",
        str(port),
    ]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _start_proxy(folder: Path, replicas: int) -> subprocess.Popen:
    """HAProxy on loopback: round robin for a learner's first request, then a cookie keeps them
    on that replica; ``redispatch`` sends them to another when theirs is down."""
    servers = "\n".join(
        f"    server r{n} 127.0.0.1:{FIRST_PORT + n} check cookie r{n}" for n in range(replicas)
    )
    config = folder / "haproxy.cfg"
    config.write_text(
        f"""global
    maxconn 2000
defaults
    mode http
    timeout connect 2s
    timeout client 120s
    timeout server 120s
    # A busy replica answers its health check late, not never: give it time, or the survivor of a
    # kill is marked down too under load. A gone replica is marked down by its refused
    # connections instead (observe layer4). Past a replica's own limit, requests wait here.
    timeout check 10s
    timeout queue 60s
    default-server inter 2s fall 5 rise 2 maxconn 48 observe layer4 error-limit 3 on-error mark-down
    # A refused connection (a replica gone) is tried again on another at once: nothing was
    # sent, so nothing runs twice.
    option redispatch 1
    retry-on conn-failure
    retries 2
frontend class
    bind 127.0.0.1:{PROXY_PORT}
    default_backend replicas
backend replicas
    balance roundrobin
    cookie REPLICA insert indirect nocache
    option httpchk GET /signin
{servers}
""",
        encoding="utf-8",
    )
    return subprocess.Popen(
        ["haproxy", "-db", "-f", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def _wait_ready(url: str, process: subprocess.Popen) -> None:
    deadline = time.perf_counter() + READY_SECONDS
    while time.perf_counter() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{url}: exited: {process.stderr.read().decode()[-2000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise SystemExit(f"{url} did not answer within {READY_SECONDS:.0f}s")


def _drive(names: list[str], seconds: float, servers: list[subprocess.Popen]) -> dict:
    base = f"http://127.0.0.1:{PROXY_PORT}/"
    lock = threading.Lock()
    calls: list[tuple[float, bool, float]] = []  # (started, ok, ms), seconds from the start
    acked = dict.fromkeys(names, 0)
    start = time.perf_counter()
    deadline = start + seconds
    kill_at = start + seconds / 2
    rss: dict[str, dict[str, float | None]] = {}

    def learner(name: str, seed: int) -> None:
        rng = random.Random(seed)
        with httpx.Client(base_url=base, timeout=60) as client:
            while time.perf_counter() < deadline:  # sign in (again, if the proxy lost us)
                try:
                    client.post("signin", data={"username": name, "password": PASSWORD})
                    if COOKIE in client.cookies:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.5)
            while time.perf_counter() < deadline:
                began = time.perf_counter()
                ok = False
                try:
                    card = _call(client, "next_card", [name, "builtin"])[0]
                    if card:
                        # A drill takes True or False; a question, an option's number.
                        options = ["True", "False"] if card.startswith("pair:") else "1234"
                        _call(client, "answer", [name, card, rng.choice(options), "builtin"])
                        with lock:
                            acked[name] += 1
                    ok = True
                except (httpx.HTTPError, RuntimeError, IndexError, ValueError) as exc:
                    if os.environ.get("CLUSTER_DEBUG"):
                        print(name, repr(exc)[:300], file=sys.stderr)
                    time.sleep(0.2)
                with lock:
                    calls.append((began - start, ok, 1000 * (time.perf_counter() - began)))

    threads = [
        threading.Thread(target=learner, args=(name, n), daemon=True)
        for n, name in enumerate(names)
    ]
    for thread in threads:
        thread.start()
    time.sleep(max(0.0, kill_at - time.perf_counter()))
    rss["before_kill"] = {f"r{n}": _rss_mb(s.pid) for n, s in enumerate(servers)}
    servers[0].kill()  # SIGKILL: no chance to finish anything
    killed = time.perf_counter() - start
    for thread in threads:
        thread.join(timeout=seconds + 120)
    rss["end"] = {f"r{n}": _rss_mb(s.pid) for n, s in enumerate(servers) if s.poll() is None}
    before = [c for c in calls if c[0] + c[2] / 1000 < killed]  # over before the kill
    during = [c for c in calls if c[0] < killed <= c[0] + c[2] / 1000]  # in flight at it
    after = [c for c in calls if c[0] >= killed]
    latencies = sorted(ms for _, ok, ms in calls if ok)
    return {
        "learners": len(names),
        "seconds": seconds,
        "replicas": len(servers),
        "killed_replica_at_s": round(killed, 1),
        "rounds": len(calls),
        "rounds_per_s": round(len(calls) / seconds, 1),
        "errors": {
            "before_kill": sum(1 for c in before if not c[1]),
            "in_flight_at_kill": sum(1 for c in during if not c[1]),
            "after_kill": sum(1 for c in after if not c[1]),
            "rate": round(sum(1 for c in calls if not c[1]) / max(1, len(calls)), 4),
        },
        "round_latency_ms": {
            "p50": _percentile(latencies, 50),
            "p95": _percentile(latencies, 95),
            "mean": round(statistics.fmean(latencies), 1) if latencies else None,
        },
        "replica_rss_mb": rss,
        "acked_by_learner": acked,
    }


def _call(client: httpx.Client, api: str, data: list) -> list:
    """One call of the app's API (Gradio's: post the inputs, then read the event stream)."""
    posted = client.post(f"gradio_api/call/{api}", json={"data": data})
    if posted.status_code != 200:
        raise RuntimeError(f"{api}: {posted.status_code} {posted.text[:120]}")
    event = posted.json()["event_id"]
    with client.stream("GET", f"gradio_api/call/{api}/{event}") as stream:
        stream.raise_for_status()
        kind = None
        for line in stream.iter_lines():
            if line.startswith("event:"):
                kind = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and kind in ("complete", "error"):
                if kind == "error":
                    raise RuntimeError(line)
                return json.loads(line[5:])
    raise RuntimeError(f"{api}: the stream ended without a result")


def _stored(url: str) -> dict[str, int]:
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT learners.name, COUNT(reviews.id) FROM learners "
                "LEFT JOIN reviews ON reviews.learner_id = learners.id GROUP BY learners.name"
            )
        ).all()
    engine.dispose()
    return {name: count for name, count in rows}


def _rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def _percentile(values: list[float], p: int) -> float | None:
    if not values:
        return None
    return round(values[min(len(values) - 1, int(len(values) * p / 100))], 1)


if __name__ == "__main__":
    sys.exit(main())
