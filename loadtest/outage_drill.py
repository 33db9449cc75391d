"""The outage drill: the load test runs while PostgreSQL is stopped for a while and started
again; users must get the Russian 503 page (no tracebacks, no 500s), and everything must work
again once the database is back, with the same gunicorn workers and db_workers (no restart).

    loadtest/outage_drill.sh                       # the cluster set up, then this script
    python loadtest/outage_drill.py --cluster "15 loadtest" --database-url \\
        postgres://postgres@127.0.0.1:5433/postgres --size S --run-time 100s --stop-at 45

It stops and starts a PostgreSQL cluster with pg_ctlcluster: use one of its own (port 5433 in
outage_drill.sh), never the one anything else on the machine uses.
"""

import argparse
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from loadtest import run as load_run
from loadtest import stack


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cluster", default="15 loadtest", help="pg_ctlcluster VERSION NAME")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5433/postgres")
    parser.add_argument("--db-name", default="crm_loadtest_drill")
    parser.add_argument("--size", choices=["S", "M", "L"], default="S")
    parser.add_argument("--instances", type=int, choices=[1, 2], default=2)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=2)
    parser.add_argument("--run-time", default="100s")
    parser.add_argument("--wait", default="1,4")
    parser.add_argument(
        "--stop-at", type=float, default=45, help="seconds into the run (after the logins)"
    )
    parser.add_argument("--outage", type=float, default=10, help="seconds the database is down")
    parser.add_argument("--reuse-db", action="store_true")
    parser.add_argument("--drop-db", action="store_true")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "drill")
    return parser.parse_args(argv)


def pg_ctl(cluster: str, action: str) -> None:
    version, name = cluster.split()
    command = ["pg_ctlcluster", version, name, action]
    if action == "stop":
        command += ["-m", "fast"]  # what a restart does: sessions are cut, not waited for
    subprocess.run(command, check=True)


class HealthProbe(threading.Thread):
    """/healthz of every instance once a second, with the time: what a balancer would see."""

    def __init__(self, urls: list[str]) -> None:
        super().__init__(daemon=True)
        self.urls = urls
        self.samples: list[tuple[float, str, int]] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(1):
            for url in self.urls:
                self.samples.append((time.time(), url, stack.health(url)))


def analyse(timeline: list[dict], *, stopped: float, started: float, healthy: float) -> dict:
    """The drill's figures from locust's per-second timeline."""

    def total(rows, key):
        return sum(r.get(key, 0) for r in rows)

    # Whole seconds: the second the database stopped in and the one it started in count as
    # the outage.
    before = [r for r in timeline if r["t"] < int(stopped)]
    during = [r for r in timeline if int(stopped) <= r["t"] <= int(started)]
    after = [r for r in timeline if r["t"] > int(started)]
    # Recovered: from the first second after the start with successes and no failure on.
    recovered_at = None
    for index, row in enumerate(after):
        if row.get("ok") and not any(r.get("failed") for r in after[index:]):
            recovered_at = row["t"]
            break
    statuses: dict[str, int] = {}
    for row in timeline:
        for key, value in row.items():
            if key.startswith("status_"):
                status = key.removeprefix("status_")
                statuses[status] = statuses.get(status, 0) + value
    return {
        "before": {"ok": total(before, "ok"), "failed": total(before, "failed")},
        "during": {"ok": total(during, "ok"), "failed": total(during, "failed")},
        "after": {"ok": total(after, "ok"), "failed": total(after, "failed")},
        "failed_by_status": statuses,
        "database_down_s": round(started - stopped, 1),
        "healthz_200_after_start_s": round(healthy - started, 1),
        "requests_all_ok_after_start_s": (
            None if recovered_at is None else max(0, round(recovered_at - started, 1))
        ),
    }


def main(argv=None) -> int:
    args = parse_args(argv)
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*"):
        if old.is_file():
            old.unlink()
    url = None
    with stack.stopped_on_signals():
        try:
            if not _running(args.cluster):
                pg_ctl(args.cluster, "start")
            url, _seconds = load_run.prepare_database(args)
            env = load_run.server_env(url, load_run.media_dir(url))
            stack.manage("collectstatic", "--noinput", env=env)
            with stack.Stack(env=env, log_dir=out) as servers:
                servers.start(count=args.instances, workers=args.workers)
                before = servers.pids()
                run = stack.LocustRun(
                    users=args.users,
                    spawn_rate=args.spawn_rate,
                    run_time=args.run_time,
                    out_prefix=out / "locust",
                    classes=("ManagerUser", "HeadUser"),
                    logins=args.users,
                    wait=args.wait,
                    timeline=True,
                    extra_env={"LOADTEST_SAMPLES": str(out / "samples")},
                )
                probe = HealthProbe(servers.urls)
                began = time.time()
                locust = run.start(servers.urls)
                probe.start()
                try:
                    time.sleep(max(0, began + args.stop_at - time.time()))
                    stopped = time.time()
                    pg_ctl(args.cluster, "stop")
                    stack.log(f"PostgreSQL stopped ({time.time() - stopped:.1f} s to stop)")
                    time.sleep(max(0, stopped + args.outage - time.time()))
                    pids_during = servers.pids()
                    started = time.time()
                    pg_ctl(args.cluster, "start")
                    stack.log(f"PostgreSQL started after {started - stopped:.1f} s down")
                    healthy = _wait_all_healthy(servers.urls)
                    stack.log(f"/healthz 200 on every instance {healthy - started:.1f} s later")
                    locust.wait(timeout=stack_seconds(args.run_time) + 120)
                finally:
                    probe.stopping.set()
                    stack._stop(locust)
                after = servers.pids()
                jobs_after = stack.jobs_by_worker(url, started)
            timeline = json.loads((out / "locust_timeline.json").read_text())
            drill = analyse(timeline, stopped=stopped, started=started, healthy=healthy)
            summary = stack.summarize(out / "locust")
            summary.update(
                command=" ".join(["python", "loadtest/outage_drill.py", *(argv or sys.argv[1:])]),
                drill=drill,
                pids_before=before,
                pids_during=pids_during,
                pids_after=after,
                same_pids=before == pids_during == after,
                healthz=_healthz_story(probe.samples, stopped, started),
                jobs_after_start=jobs_after,
                server_logs=stack.server_log_problems(out),
                samples=sorted(p.name for p in (out / "samples").glob("*")),
            )
            (out / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False))
            stack.print_summary(summary, title="outage drill")
            _print_drill(summary)
            return 0 if _passed(summary) else 1
        finally:
            if url and args.drop_db and _running(args.cluster):
                stack.database_drop(url)


def stack_seconds(run_time: str) -> float:
    return load_run._seconds(run_time)


def _running(cluster: str) -> bool:
    version, name = cluster.split()
    answer = subprocess.run(["pg_ctlcluster", version, name, "status"], capture_output=True)
    return answer.returncode == 0


def _wait_all_healthy(urls: list[str], timeout: float = 60) -> float:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if all(stack.health(u) == 200 for u in urls):
            return time.time()
        time.sleep(0.2)
    raise RuntimeError("the instances did not answer /healthz 200 after the database came back")


def _healthz_story(samples, stopped: float, started: float) -> dict:
    def statuses(rows):
        found: dict[str, int] = {}
        for _t, _url, status in rows:
            found[str(status)] = found.get(str(status), 0) + 1
        return found

    return {
        "before": statuses([s for s in samples if s[0] < stopped]),
        "during": statuses([s for s in samples if stopped + 1 <= s[0] < started]),
        "after": statuses([s for s in samples if s[0] >= started]),
    }


def _passed(summary: dict) -> bool:
    drill = summary["drill"]
    statuses = set(drill["failed_by_status"])
    return (
        drill["before"]["failed"] == 0
        and statuses <= {"503"}
        and summary["same_pids"]
        and drill["requests_all_ok_after_start_s"] is not None
        and not any("traceback" in reason for reason in summary["failure_reasons"])
        and any("SUCCESSFUL" in key for key in summary["jobs_after_start"])
    )


def _print_drill(summary: dict) -> None:
    drill = summary["drill"]
    print("\n--- the outage ---")
    print(f"database down {drill['database_down_s']} s")
    for part in ("before", "during", "after"):
        print(f"  {part:12} ok {drill[part]['ok']:>6}  failed {drill[part]['failed']:>5}")
    print(f"failed requests by status: {drill['failed_by_status']}")
    print(f"/healthz (every instance, once a second): {summary['healthz']}")
    print(
        f"after the start: /healthz 200 in {drill['healthz_200_after_start_s']} s, every "
        f"request succeeds from {drill['requests_all_ok_after_start_s']} s on"
    )
    print(
        f"same gunicorn master/worker and db_worker pids before, during, after: "
        f"{summary['same_pids']}"
    )
    print(f"background jobs enqueued after the start: {summary['jobs_after_start']}")
    print(f"server logs: {summary['server_logs']}")
    print(f"answers kept (the first failed one of each status): {summary['samples']}")
    print("PASSED" if _passed(summary) else "NOT PASSED")


if __name__ == "__main__":
    sys.exit(main())
