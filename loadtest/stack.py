"""The pieces of a load test run: a seeded database, gunicorn instances with their db_workers,
a headless locust run, and its summary. Used by run.py, outage_drill.py and the CI smoke test.

Nothing here imports locust (it monkey-patches the standard library with gevent): locust always
runs as a separate process.
"""

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
LOCUSTFILE = ROOT / "loadtest" / "locustfile.py"
PYTHON = sys.executable


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# Databases.


def database_url_with_name(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def _pg_admin(url: str):
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        dbname="postgres",
        autocommit=True,
    )


def database_exists(url: str) -> bool:
    if not url.startswith("postgres"):
        return Path(urlsplit(url).path).exists()
    with _pg_admin(url) as conn:
        name = urlsplit(url).path.lstrip("/")
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()


def database_drop(url: str) -> None:
    if not url.startswith("postgres"):
        for suffix in ("", "-wal", "-shm"):
            Path(urlsplit(url).path + suffix).unlink(missing_ok=True)
        return
    from psycopg import sql

    with _pg_admin(url) as conn:
        name = urlsplit(url).path.lstrip("/")
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def database_create(url: str) -> None:
    """A new, empty database at `url` (an existing one of that name is dropped first)."""
    database_drop(url)
    if url.startswith("postgres"):
        from psycopg import sql

        with _pg_admin(url) as conn:
            name = urlsplit(url).path.lstrip("/")
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def base_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a production-like run: DEBUG off, a random key, loopback hosts."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SETTINGS_MODULE="crm_workstation.settings",
        PYTHONUNBUFFERED="1",
    )
    env.pop("CSRF_TRUSTED_ORIGINS", None)
    env.update(extra)
    return env


def manage(*args: str, env: dict[str, str], quiet: bool = True) -> None:
    out = subprocess.DEVNULL if quiet else None
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=out)


def database_seed(env: dict[str, str], *, size: str, users: int) -> dict[str, float]:
    """migrate, seed_demo --size, and the load test's managers; seconds each took."""
    seconds = {}
    for label, command in (
        ("migrate", [PYTHON, "manage.py", "migrate", "--noinput", "-v0"]),
        ("seed_demo", [PYTHON, "manage.py", "seed_demo", "--size", size]),
        ("prepare", [PYTHON, "loadtest/prepare.py", "--users", str(users)]),
    ):
        started = time.monotonic()
        subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        seconds[label] = round(time.monotonic() - started, 1)
        log(f"{label}: {seconds[label]} s")
    return seconds


# Processes.


def children(pid: int) -> list[int]:
    """The pids whose parent is `pid` (gunicorn's workers), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            stat = (entry / "stat").read_text()
            # pid (comm) state ppid …; comm may hold spaces and parentheses.
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return sorted(found)


@dataclass
class Instance:
    port: int
    web: subprocess.Popen
    worker: subprocess.Popen | None
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def worker_pids(self) -> list[int]:
        return children(self.web.pid)


@dataclass
class Stack:
    """App servers (gunicorn) with a db_worker each, all on one database; stopped on exit."""

    env: dict[str, str]
    log_dir: Path
    instances: list[Instance] = field(default_factory=list)

    def start(
        self, *, count: int, workers: int, ports: list[int] | None = None, db_worker: bool = True
    ) -> None:
        for index in range(count):
            port = ports[index] if ports else free_port()
            log_path = self.log_dir / f"gunicorn-{port}.log"
            web = subprocess.Popen(
                [
                    PYTHON, "-m", "gunicorn", "crm_workstation.wsgi",
                    "--workers", str(workers),
                    "--bind", f"127.0.0.1:{port}",
                    "--graceful-timeout", "5",
                    "--no-control-socket",  # one per instance otherwise, at one default path
                    "--error-logfile", "-",
                    "--access-logfile", str(self.log_dir / f"access-{port}.log"),
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log_path.open("ab"),
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stopped with its workers
            )  # fmt: skip
            worker = None
            if db_worker:
                worker = subprocess.Popen(
                    [PYTHON, "manage.py", "db_worker", "--no-reload", "--worker-id", f"w{port}"],
                    cwd=ROOT,
                    env=self.env,
                    stdout=(self.log_dir / f"db_worker-{port}.log").open("ab"),
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            self.instances.append(Instance(port, web, worker, log_path))
        for instance in self.instances:
            wait_healthy(instance.url, process=instance.web)
            log(
                f"gunicorn {instance.url}: master {instance.web.pid}, workers "
                f"{instance.worker_pids()}"
                + (f", db_worker {instance.worker.pid}" if instance.worker else "")
            )

    @property
    def urls(self) -> list[str]:
        return [i.url for i in self.instances]

    def pids(self) -> dict[str, list[int | str]]:
        """Every process of the stack: masters, their workers, db_workers; one that exited
        shows as «exited N»."""

        def alive(process: subprocess.Popen) -> int | str:
            code = process.poll()
            return process.pid if code is None else f"exited {code}"

        pids = {}
        for i in self.instances:
            pids[f"gunicorn {i.port}"] = [alive(i.web), *i.worker_pids()]
            if i.worker:
                pids[f"db_worker {i.port}"] = [alive(i.worker)]
        return pids

    def stop(self) -> None:
        for instance in self.instances:
            for process in (instance.web, instance.worker):
                if process is not None:
                    _stop(process)
        self.instances.clear()

    def __enter__(self) -> "Stack":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM to the process group this stack started, SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def wait_healthy(url: str, *, process: subprocess.Popen | None = None, timeout: float = 90):
    deadline = time.monotonic() + timeout
    while True:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited ({process.returncode}); see its log")
        if health(url) == 200:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url}/healthz did not answer 200 in {timeout:g} s")
        time.sleep(0.3)


def health(url: str) -> int:
    """The status /healthz answers (0: no answer)."""
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=5) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code
    except (OSError, urllib.error.URLError):
        return 0


@contextlib.contextmanager
def stopped_on_signals():
    """SIGTERM/SIGHUP end the run like Ctrl-C: the `finally` blocks stop what was started."""

    def stop(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


# Locust.


@dataclass
class LocustRun:
    users: int
    spawn_rate: float
    run_time: str
    out_prefix: Path
    classes: tuple[str, ...] = ("ManagerUser",)
    logins: int = 50
    wait: str = "1,4"
    timeline: bool = False
    extra_env: dict[str, str] = field(default_factory=dict)

    def command(self) -> list[str]:
        users = self.users + (1 if "HeadUser" in self.classes else 0)
        return [
            PYTHON, "-m", "locust",
            "-f", str(LOCUSTFILE),
            "--headless", "--only-summary",
            "-u", str(users), "-r", str(self.spawn_rate),
            "--run-time", self.run_time, "--stop-timeout", "10",
            "--csv", str(self.out_prefix),
            "--json-file", str(self.out_prefix),
            "--exit-code-on-error", "0",
            *self.classes,
        ]  # fmt: skip

    def env(self, hosts: list[str]) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            LOADTEST_HOSTS=",".join(hosts),
            LOADTEST_LOGINS=str(self.logins),
            LOADTEST_WAIT=self.wait,
            **self.extra_env,
        )
        if self.timeline:
            env["LOADTEST_TIMELINE"] = f"{self.out_prefix}_timeline.json"
        env["LOADTEST_REQUESTS"] = f"{self.out_prefix}_requests.csv"
        return env

    def start(self, hosts: list[str]) -> subprocess.Popen:
        self.out_prefix.parent.mkdir(parents=True, exist_ok=True)
        return subprocess.Popen(
            [*self.command(), "--host", hosts[0]],
            cwd=ROOT,
            env=self.env(hosts),
            stdout=(self.out_prefix.parent / "locust.log").open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def run(self, hosts: list[str], *, timeout: float) -> None:
        process = self.start(hosts)
        try:
            if process.wait(timeout=timeout) != 0:
                raise RuntimeError(f"locust exited {process.returncode}: see locust.log")
        finally:
            _stop(process)


def _percentile(histogram: dict[int, int], fraction: float) -> int:
    total = sum(histogram.values())
    if not total:
        return 0
    rank = fraction * total
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    return max(histogram)


def summarize(out_prefix: Path) -> dict:
    """The run's figures over the HTTP requests (the importer job's line apart): requests,
    requests/s, p50/p95/p99, failures by endpoint and reason."""
    entries = json.loads(Path(f"{out_prefix}.json").read_text())
    http = [e for e in entries if e["method"] != "JOB"]
    histogram: dict[int, int] = {}
    for entry in http:
        for value, count in entry["response_times"].items():
            histogram[int(float(value))] = histogram.get(int(float(value)), 0) + count
    start = min(e["start_time"] for e in entries)
    end = max(e["last_request_timestamp"] or start for e in entries)
    requests = sum(e["num_requests"] for e in http)
    failures = sum(e["num_failures"] for e in http)
    duration = max(end - start, 1e-9)
    summary = {
        "requests": requests,
        "failures": failures,
        "duration_s": round(duration, 1),
        "rps": round(requests / duration, 1),
        "p50_ms": _percentile(histogram, 0.50),
        "p95_ms": _percentile(histogram, 0.95),
        "p99_ms": _percentile(histogram, 0.99),
        "max_ms": max(histogram) if histogram else 0,
        "endpoints": {
            f"{e['method']} {e['name']}": {
                "requests": e["num_requests"],
                "failures": e["num_failures"],
                "p50_ms": _percentile(_ints(e["response_times"]), 0.5),
                "p95_ms": _percentile(_ints(e["response_times"]), 0.95),
            }
            for e in sorted(entries, key=lambda e: (e["method"], e["name"]))
        },
        "failure_reasons": _failure_reasons(out_prefix),
    }
    if steady := _after_the_logins(out_prefix):
        summary["after_logins"] = steady
    jobs = [e for e in entries if e["method"] == "JOB"]
    if jobs:
        job = jobs[0]
        summary["importer_jobs"] = {
            "count": job["num_requests"],
            "failures": job["num_failures"],
            "median_s": round(_percentile(_ints(job["response_times"]), 0.5) / 1000, 1),
            "max_s": round(job["max_response_time"] / 1000, 1),
        }
    return summary


def _after_the_logins(out_prefix: Path) -> dict | None:
    """The figures from the last login on: every user is in and working. (A login hashes the
    password on purpose slowly, ~0.3 s of CPU; 50 of them at once are a morning's arrival
    squeezed into seconds, not the day's work.)"""
    import csv

    path = Path(f"{out_prefix}_requests.csv")
    if not path.exists():
        return None
    with path.open(newline="") as file:
        rows = [(float(t), name, int(ms)) for t, name, ms in csv.reader(file)]
    logins = [t for t, name, _ms in rows if name.startswith("POST /login/")]
    if not logins:
        return None
    since = max(logins)
    window = [(t, ms) for t, name, ms in rows if t > since and not name.startswith("JOB ")]
    if len(window) < 2:
        return None
    histogram: dict[int, int] = {}
    for _t, ms in window:
        histogram[ms] = histogram.get(ms, 0) + 1
    duration = max(t for t, _ms in window) - since
    return {
        "from_s": round(since - min(t for t, _n, _ms in rows), 1),
        "requests": len(window),
        "rps": round(len(window) / max(duration, 1e-9), 1),
        "p50_ms": _percentile(histogram, 0.50),
        "p95_ms": _percentile(histogram, 0.95),
        "p99_ms": _percentile(histogram, 0.99),
    }


def _ints(times: dict) -> dict[int, int]:
    return {int(float(k)): v for k, v in times.items()}


def _failure_reasons(out_prefix: Path) -> dict[str, int]:
    import csv

    path = Path(f"{out_prefix}_failures.csv")
    if not path.exists():
        return {}
    reasons: dict[str, int] = {}
    with path.open(newline="") as file:
        for row in csv.DictReader(file):
            key = f"{row['Method']} {row['Name']}: {row['Error']}"
            reasons[key] = reasons.get(key, 0) + int(row["Occurrences"])
    return reasons


def print_summary(summary: dict, *, title: str) -> None:
    print(f"\n=== {title} ===")
    print(
        f"requests {summary['requests']} in {summary['duration_s']} s: "
        f"{summary['rps']} requests/s; p50 {summary['p50_ms']} ms, p95 {summary['p95_ms']} ms, "
        f"p99 {summary['p99_ms']} ms, max {summary['max_ms']} ms; failures {summary['failures']}"
    )
    if steady := summary.get("after_logins"):
        print(
            f"after the last login (from {steady['from_s']} s on, every user working): "
            f"{steady['requests']} requests, {steady['rps']} requests/s; p50 {steady['p50_ms']} "
            f"ms, p95 {steady['p95_ms']} ms, p99 {steady['p99_ms']} ms"
        )
    if job := summary.get("importer_jobs"):
        print(
            f"importer files uploaded on one server, read by a db_worker, checked on the "
            f"other: {job['count']} (failed {job['failures']}), median {job['median_s']} s, "
            f"max {job['max_s']} s"
        )
    print(f"{'endpoint':58} {'requests':>8} {'failed':>6} {'p50':>6} {'p95':>6}")
    for name, row in summary["endpoints"].items():
        print(
            f"{name[:58]:58} {row['requests']:>8} {row['failures']:>6} "
            f"{row['p50_ms']:>6} {row['p95_ms']:>6}"
        )
    for reason, count in summary["failure_reasons"].items():
        print(f"  failed {count}×: {reason}")


def server_log_problems(log_dir: Path) -> dict[str, int]:
    """What the servers' logs say: tracebacks (unhandled errors), the 503 middleware's
    warnings (database unavailable), gunicorn workers booted, requests per instance."""
    counts = {"tracebacks": 0, "database unavailable": 0, "workers booted": 0}
    for path in [*log_dir.glob("gunicorn-*.log"), *log_dir.glob("db_worker-*.log")]:
        text = path.read_text(errors="replace")
        counts["tracebacks"] += text.count("Traceback (most recent call last)")
        counts["database unavailable"] += text.count("database unavailable")
        counts["workers booted"] += text.count("Booting worker")
    for path in sorted(log_dir.glob("access-*.log")):
        counts[f"requests served by {path.stem.removeprefix('access-')}"] = sum(
            1 for _line in path.open(errors="replace")
        )
    return counts


def jobs_by_worker(database_url: str, since: float) -> dict[str, int]:
    """Background jobs finished since `since` (epoch seconds), per db_worker id and status."""
    import psycopg

    parts = urlsplit(database_url)
    with psycopg.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        dbname=parts.path.lstrip("/"),
    ) as conn:
        rows = conn.execute(
            "SELECT worker_ids::text, status, count(*) FROM django_tasks_database_dbtaskresult "
            "WHERE enqueued_at >= to_timestamp(%s) GROUP BY 1, 2 ORDER BY 1, 2",
            [since],
        ).fetchall()
    return {f"{workers} {status}": count for workers, status, count in rows}
