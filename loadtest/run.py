"""The load test: a seeded PostgreSQL database, one or two gunicorn instances with a db_worker
each, and the locust scenario against them; prints requests/s, p50/p95/p99 and failures.

    python loadtest/run.py --size M --instances 1 --run-time 2m
    python loadtest/run.py --size M --instances 2 --run-time 2m --reuse-db

Everything listens on 127.0.0.1 only. The database (`--db-name`, on the server of
`--database-url`) is made afresh (migrate, seed_demo, prepare.py) unless `--reuse-db` finds it
already prepared; it is kept for the next run unless `--drop-db`. Processes started here are
stopped when the run ends, fails or is interrupted. Figures, locust's CSV/JSON and the servers'
logs go to `--out` (default loadtest/results/<size>-<instances>x/).
"""

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from loadtest import stack

DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=["S", "M", "L"], default="S")
    parser.add_argument("--instances", type=int, choices=[1, 2], default=1)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers per instance")
    parser.add_argument("--users", type=int, default=50, help="simulated managers")
    # Managers arriving two a second: a login hashes the password (~0.3 s of CPU on purpose).
    parser.add_argument("--spawn-rate", type=float, default=2)
    parser.add_argument("--run-time", default="2m", help="locust --run-time, e.g. 90s, 2m")
    parser.add_argument("--wait", default="1,4", help="seconds between a manager's actions")
    parser.add_argument("--no-upload", action="store_true", help="without the importer file")
    parser.add_argument("--database-url", default=DEFAULT_SERVER, help="the PostgreSQL server")
    parser.add_argument("--db-name", default=None, help="default crm_loadtest_<size>")
    parser.add_argument("--reuse-db", action="store_true")
    parser.add_argument("--drop-db", action="store_true")
    parser.add_argument("--out", type=Path, default=None)
    return parser.parse_args(argv)


def prepare_database(args) -> tuple[str, dict]:
    name = args.db_name or f"crm_loadtest_{args.size.lower()}"
    url = stack.database_url_with_name(args.database_url, name)
    if args.reuse_db and stack.database_exists(url):
        stack.log(f"database {name}: reused")
        return url, {}
    stack.log(f"database {name}: created, seed_demo --size {args.size}")
    stack.database_create(url)
    return url, stack.database_seed(stack.base_env(url), size=args.size, users=args.users)


def media_dir(url: str) -> Path:
    """The uploaded files of this database: one folder all instances and workers share, kept
    as long as the database (a job left queued in it still finds its file)."""
    path = Path(tempfile.gettempdir()) / f"crm-loadtest-media-{url.rsplit('/', 1)[-1]}"
    path.mkdir(exist_ok=True)
    return path


def server_env(url: str, media: Path) -> dict[str, str]:
    """Production-like: DEBUG off, hashed static files, one MEDIA_ROOT every instance and
    worker shares; every importer file goes to the background worker."""
    return stack.base_env(
        url, STATIC_MANIFEST="1", MEDIA_ROOT=str(media), IMPORTER_INLINE_MAX_ROWS="0"
    )


def main(argv=None) -> int:
    args = parse_args(argv)
    out = args.out or Path(__file__).parent / "results" / f"{args.size}-{args.instances}x"
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*"):
        old.unlink()
    url = None
    with stack.stopped_on_signals():
        try:
            url, seed_seconds = prepare_database(args)
            env = server_env(url, media_dir(url))
            stack.manage("collectstatic", "--noinput", env=env)
            with stack.Stack(env=env, log_dir=out) as servers:
                servers.start(count=args.instances, workers=args.workers)
                before = servers.pids()
                run = stack.LocustRun(
                    users=args.users,
                    spawn_rate=args.spawn_rate,
                    run_time=args.run_time,
                    out_prefix=out / "locust",
                    classes=("ManagerUser",) if args.no_upload else ("ManagerUser", "HeadUser"),
                    logins=args.users,
                    wait=args.wait,
                )
                stack.log(f"locust: {' '.join(run.command()[2:])}")
                started = time.time()
                run.run(servers.urls, timeout=_seconds(args.run_time) + 120)
                stack.log(f"locust done in {time.time() - started:.0f} s")
                after = servers.pids()
                jobs = stack.jobs_by_worker(url, started)
            summary = stack.summarize(out / "locust")
            summary.update(
                command=" ".join(["python", "loadtest/run.py", *(argv or sys.argv[1:])]),
                size=args.size,
                instances=args.instances,
                gunicorn_workers=args.workers,
                users=args.users,
                seed_seconds=seed_seconds,
                same_pids_after_run=before == after,
                server_logs=stack.server_log_problems(out),
                jobs_by_worker=jobs,
            )
            (out / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False))
            stack.print_summary(
                summary,
                title=f"size {args.size}, {args.instances} × gunicorn ({args.workers} workers), "
                f"{args.users} managers",
            )
            print(f"server logs: {summary['server_logs']}")
            print(f"background jobs by db_worker: {jobs}")
            print(f"same gunicorn and db_worker pids after the run: {before == after}")
            print(f"files: {out}")
            return 0 if summary["failures"] == 0 else 1
        finally:
            if url and args.drop_db:
                stack.database_drop(url)
                stack.log("database dropped")


def _seconds(run_time: str) -> float:
    units = {"h": 3600, "m": 60, "s": 1}
    total, number = 0.0, ""
    for char in run_time:
        if char.isdigit() or char == ".":
            number += char
        else:
            total += float(number) * units[char]
            number = ""
    return total + (float(number) if number else 0)


if __name__ == "__main__":
    sys.exit(main())
