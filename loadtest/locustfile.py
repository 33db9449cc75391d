"""A day at the workstation: managers working their tasks, and a head loading an importer file.

Run it through `loadtest/run.py` (which starts the servers), or by hand against servers already
running on this machine:

    LOADTEST_HOSTS=http://127.0.0.1:8001,http://127.0.0.1:8002 \
        python -m locust -f loadtest/locustfile.py --headless -u 50 -r 10 --run-time 2m \
        ManagerUser HeadUser

Loopback only: every host must be 127.0.0.1, localhost or ::1, or the run stops before the first
request. Each simulated manager logs in as `load01` … (created by `loadtest/prepare.py`;
LOADTEST_LOGINS of them, shared in turn when there are fewer logins than users) and sends every
request to the next of LOADTEST_HOSTS in turn, so with two app servers each step of a flow lands
on the other one: the session, the CSRF token and the task being saved must work on both.

A request fails when its answer is not 2xx/3xx, when it is one of the workstation's error pages
(the 503 page included) or the login page (a session lost), when it shows a traceback, or when
a save comes back with the form's errors instead of «Задача … сохранена». LOADTEST_TIMELINE names
a file that gets, per second, the requests that succeeded, failed and were answered 503 (the
outage drill reads it).

Environment: LOADTEST_HOSTS (default: --host), LOADTEST_LOGINS (50), LOADTEST_LOGIN_PREFIX
(load), LOADTEST_PASSWORD (demo), LOADTEST_WAIT ("1,4": seconds between a manager's actions),
LOADTEST_UPLOADER (head1), LOADTEST_IMPORTER_FILE (the sample «Клиенты ТО» file),
LOADTEST_JOB_TIMEOUT (90 s for the background job to read it), LOADTEST_TIMELINE,
LOADTEST_SAMPLES (a folder for the first failed answer of each status), LOADTEST_REQUESTS (a CSV
of every request: finished at, name, ms), LOADTEST_TOUR=1 (each manager does every action once
first).
"""

import csv
import datetime as dt
import itertools
import json
import os
import random
import re
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlsplit

from locust import HttpUser, between, events, task
from locust.exception import StopUser

ROOT = Path(__file__).resolve().parent.parent
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
PASSWORD = os.environ.get("LOADTEST_PASSWORD", "demo")
LOGINS = int(os.environ.get("LOADTEST_LOGINS", "50"))
LOGIN_PREFIX = os.environ.get("LOADTEST_LOGIN_PREFIX", "load")
UPLOADER = os.environ.get("LOADTEST_UPLOADER", "head1")
IMPORTER_FILE = Path(
    os.environ.get("LOADTEST_IMPORTER_FILE", ROOT / "fixtures/importer-samples/klienty-to.xlsx")
)
TOUR = os.environ.get("LOADTEST_TOUR", "") == "1"
TOUR_ORDER = (
    "stages",
    "stages_choose_worksheet",
    "worksheet_window",
    "my_tasks",
    "task_window",
    "work_next_task",
    "client_search",
    "client_history",
)
JOB_TIMEOUT = float(os.environ.get("LOADTEST_JOB_TIMEOUT", "90"))
WAIT_MIN, WAIT_MAX = (float(x) for x in os.environ.get("LOADTEST_WAIT", "1,4").split(","))
MSK = dt.timezone(dt.timedelta(hours=3))  # the project's TIME_ZONE, Europe/Moscow
# Surnames to search by until the user has seen clients of their own.
LEGAL_FORMS = {"ООО", "АО", "ПАО", "ЗАО", "ИП"}
SURNAMES = ["Иванов", "Смирнова", "Кузнецов", "Попова", "Соколов", "Лебедева", "Новиков"]

ERROR_PAGE = 'class="panel error-page"'
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|Exception Value:|Request Method:")
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SAVED = re.compile(r"Задача [^<]* сохранена")


def _hosts(environment) -> list[str]:
    raw = os.environ.get("LOADTEST_HOSTS") or environment.host or ""
    hosts = [h.strip().rstrip("/") for h in raw.split(",") if h.strip()]
    if not hosts:
        raise SystemExit("locustfile: no host (LOADTEST_HOSTS or --host)")
    for host in hosts:
        parts = urlsplit(host)
        if parts.scheme != "http" or parts.hostname not in LOOPBACK:
            raise SystemExit(f"locustfile: {host} is not a loopback http:// address")
    return hosts


HOSTS: list[str] = []


@events.init.add_listener
def _check_hosts(environment, **_kwargs) -> None:
    HOSTS[:] = _hosts(environment)


class Timeline:
    """Per second: the requests that succeeded and failed, and the failures by status."""

    def __init__(self) -> None:
        self.seconds: dict[int, Counter] = defaultdict(Counter)
        self.lock = threading.Lock()

    def add(self, *, failed: bool, status: int) -> None:
        with self.lock:
            row = self.seconds[int(time.time())]
            row["failed" if failed else "ok"] += 1
            if failed:
                row[f"status_{status}"] += 1

    def write(self, path: str) -> None:
        rows = [{"t": second, **row} for second, row in sorted(self.seconds.items())]
        Path(path).write_text(json.dumps(rows))


TIMELINE = Timeline()


@events.request.add_listener
def _count(
    request_type="", name="", response_time=0, response=None, exception=None, **_kwargs
) -> None:
    status = getattr(response, "status_code", 0) or 0
    TIMELINE.add(failed=exception is not None, status=status)
    REQUESTS.append((round(time.time(), 3), f"{request_type} {name}", round(response_time)))


# Every request (finished at, name, ms), for figures over part of the run (after the logins).
REQUESTS: list[tuple[float, str, int]] = []


@events.quitting.add_listener
def _write_timeline(**_kwargs) -> None:
    if path := os.environ.get("LOADTEST_TIMELINE"):
        TIMELINE.write(path)
    if path := os.environ.get("LOADTEST_REQUESTS"):
        with open(path, "w", newline="") as file:
            csv.writer(file).writerows(REQUESTS)


class Workstation(HttpUser):
    """What every user does: log in, send each request to the next app server in turn, and
    mark a request failed when its answer is not what a working workstation shows."""

    abstract = True
    host = "http://127.0.0.1"  # replaced by LOADTEST_HOSTS; checked in _check_hosts
    numbers = itertools.count()

    def on_start(self) -> None:
        self.index = next(self.numbers)
        self.turn = self.index  # users start on different servers
        self.login = self.login_name()
        response = self.page("GET", "/login/", name="/login/", logged_in=False)
        if response is None:
            raise StopUser
        response = self.page(
            "POST",
            "/login/",
            name="/login/ POST",
            data={
                "username": self.login,
                "password": PASSWORD,
                "csrfmiddlewaretoken": self.csrf(response.text),
                "next": "",
            },
            logged_in=False,
            expect=lambda r: "/login/" not in urlsplit(r.url).path or "login refused",
        )
        if response is None:
            raise StopUser

    def login_name(self) -> str:
        raise NotImplementedError

    # Requests.

    def url(self, path: str, *, host: str | None = None) -> str:
        if host is None:
            host = HOSTS[self.turn % len(HOSTS)]
            self.turn += 1
        return host + path

    def page(
        self,
        method: str,
        path: str,
        *,
        name: str,
        host: str | None = None,
        logged_in: bool = True,
        expect=None,
        htmx: str | None = None,
        **kwargs,
    ):
        """One request, judged: the response when it is good, None (and a failure) otherwise.

        `expect(response)` returns True or the reason it is wrong. `htmx` sends the request as
        htmx does for that target.
        """
        if htmx is not None:
            kwargs.setdefault("headers", {}).update({"HX-Request": "true", "HX-Target": htmx})
        if method == "POST":
            headers = kwargs.setdefault("headers", {})
            headers.setdefault("X-CSRFToken", self.client.cookies.get("csrftoken", ""))
        with self.client.request(
            method, self.url(path, host=host), name=name, catch_response=True, **kwargs
        ) as response:
            reason = judge(response, logged_in=logged_in)
            if reason is None and expect is not None:
                verdict = expect(response)
                reason = None if verdict is True else str(verdict)
            if reason is None:
                response.success()
                return response
            response.failure(reason)
            return None

    def csrf(self, text: str) -> str:
        found = CSRF_INPUT.search(text or "")
        return found.group(1) if found else self.client.cookies.get("csrftoken", "")

    def reminder(self) -> None:
        """What every full page does on load: the header asks for the due-task count."""
        self.page("GET", "/tasks/reminder/", name="/tasks/reminder/", htmx="")


class ManagerUser(Workstation):
    """A manager's day: «Этапы сделок», worksheets, «Мои задачи», tasks taken and saved with
    follow-ups planned, client search and history."""

    wait_time = between(WAIT_MIN, WAIT_MAX)

    def on_start(self) -> None:
        self.worksheet_ids: list[int] = []
        self.task_ids: list[int] = []
        self.client_ids: list[int] = []
        self.searches: list[str] = []
        super().on_start()
        if TOUR:
            # Every action once, in a day's order, before the random mix: a short run (the CI
            # smoke test) then covers the whole scenario whatever the dice say.
            for action in TOUR_ORDER:
                getattr(self, action)()

    def login_name(self) -> str:
        return f"{LOGIN_PREFIX}{self.index % LOGINS + 1:02d}"

    def remember(self, text: str) -> None:
        """What a page shows that the manager may open next."""
        self.worksheet_ids = _ids(r'href="/worksheets/(\d+)/"', text) or self.worksheet_ids
        self.task_ids = _ids(r'href="/tasks/(\d+)/', text) or self.task_ids
        clients = _ids(r'href="/clients/(\d+)/"', text)
        if clients:
            self.client_ids = clients
        # What a manager types into the search: a client's surname (a company's name without
        # its legal form), a whole phone number or its last digits.
        for name in re.findall(r'<a href="/clients/\d+/"[^>]*>([^<]+)</a>', text):
            words = [w.strip('«»"') for w in name.split() if w not in LEGAL_FORMS]
            if words and words[0]:
                self.searches.append(words[0])
        for phone in re.findall(r'href="tel:(\+?\d+)"', text):
            self.searches.append(phone if random.random() < 0.5 else phone[-7:])
        self.searches = self.searches[-20:]

    @task(4)
    def stages(self) -> None:
        stage = random.choice(["", "new", "in_work", "processed", "on_control"])
        path = "/stages/" + (f"?stage={stage}" if stage else "")
        response = self.page("GET", path, name="/stages/?stage=…", expect=_has("Этапы сделок"))
        if response is not None:
            self.remember(response.text)
            self.reminder()

    @task(2)
    def stages_choose_worksheet(self) -> None:
        if not self.worksheet_ids:
            return self.stages()
        pk = random.choice(self.worksheet_ids)
        self.page(
            "GET",
            f"/stages/?worksheet={pk}",
            name="/stages/?worksheet=… (htmx)",
            htmx="stage-detail",
            expect=_has('id="stage-detail"'),
        )

    @task(2)
    def worksheet_window(self) -> None:
        if not self.worksheet_ids:
            return self.stages()
        pk = random.choice(self.worksheet_ids)
        response = self.page("GET", f"/worksheets/{pk}/", name="/worksheets/<id>/")
        if response is not None:
            self.remember(response.text)
            self.reminder()

    @task(4)
    def my_tasks(self) -> None:
        query = random.choice(["", "", "?period=overdue", "?mine_page=2"])
        response = self.page(
            "GET", f"/tasks/{query}", name="/tasks/ (Мои задачи)", expect=_has("Мои задачи")
        )
        if response is not None:
            self.remember(response.text)
            self.reminder()

    @task(3)
    def task_window(self) -> None:
        if not self.task_ids:
            return self.my_tasks()
        pk = random.choice(self.task_ids)
        response = self.page("GET", f"/tasks/{pk}/", name="/tasks/<id>/")
        if response is not None:
            self.remember(response.text)
            self.reminder()

    @task(4)
    def work_next_task(self) -> None:
        """«Следующая задача», the call's result chosen (htmx re-draws), saved with what the
        call gave: «Недозвон» and a call planned, an interview, or a refusal."""
        response = self.page(
            "POST",
            "/tasks/next/",
            name="/tasks/next/ (Следующая задача)",
            data={"csrfmiddlewaretoken": self.client.cookies.get("csrftoken", "")},
        )
        if response is None:
            return
        found = re.match(r"/tasks/(\d+)/$", urlsplit(response.url).path)
        if not found:  # nothing left to take: «Доступных задач больше нет»
            return
        pk = int(found.group(1))
        self.remember(response.text)
        self.reminder()
        if 'id="result-form"' not in response.text:
            return  # taken, but not the user's to save (a head's view)
        self.save_result(pk, response.text)

    def save_result(self, pk: int, window: str) -> None:
        data = {
            "csrfmiddlewaretoken": self.csrf(window),
            "version": _field_value(window, "version"),
            "comment": "",
        }
        roll = random.random()
        if roll < 0.6:
            data.update(self.no_answer_with_follow_up(window))
        elif roll < 0.9:
            interview = self.interview(pk)
            if interview is None:
                return
            data.update(interview)
        else:
            data.update(outcome="refused", comment="Клиент не стал разговаривать")
        data["save"] = ""
        self.page(
            "POST",
            f"/tasks/{pk}/",
            name=f"/tasks/<id>/ POST ({data['outcome']})",
            data=data,
            expect=lambda r: bool(SAVED.search(r.text)) or _form_errors(r.text),
        )

    def no_answer_with_follow_up(self, window: str) -> dict:
        planned = dt.datetime.now(MSK) + dt.timedelta(days=random.randint(1, 3))
        planned = planned.replace(hour=random.randint(10, 17), minute=0)
        return {
            "outcome": "no_answer",
            "comment": "Не ответил",
            "plan-enabled": "on",
            "plan-task_type": _selected(window, "plan-task_type"),
            "plan-planned_at": planned.strftime("%Y-%m-%dT%H:%M"),
            "plan-comment": "Перезвонить",
        }

    def interview(self, pk: int) -> dict | None:
        """«Интервью», then one of its results: the window re-draws the fields for each."""
        fields = self.page(
            "GET",
            f"/tasks/{pk}/?outcome=interview",
            name="/tasks/<id>/?outcome=… (htmx)",
            htmx="result-fields",
            expect=_has('name="interview_result"'),
        )
        if fields is None:
            return None
        choices = _ids(r'name="interview_result" value="(\d+)"', fields.text)
        result = random.choice(choices)
        fields = self.page(
            "GET",
            f"/tasks/{pk}/?outcome=interview&interview_result={result}",
            name="/tasks/<id>/?outcome=… (htmx)",
            htmx="result-fields",
        )
        if fields is None:
            return None
        data = {"outcome": "interview", "interview_result": str(result), "goal_completed": "on"}
        text = fields.text
        if 'name="purchase_option"' in text:  # «Записан»: how they will pay, and a comment
            data["purchase_option"] = _ids(r'<option value="(\d+)"', text)[0]
            data["comment"] = "Записан на ТО"
        elif 'name="comment"' in text:  # «Другое»: a comment is required
            data["comment"] = "Подумает, перезвонит сам"
            data["reported_mileage"] = str(random.randint(20_000, 90_000))
        return data

    @task(3)
    def client_search(self) -> None:
        query = random.choice(self.searches or SURNAMES)
        if random.random() < 0.5:  # as the manager types: the live list
            self.page(
                "GET",
                "/clients/",
                name="/clients/?q=… (htmx)",
                htmx="search-results",
                params={"q": query},
                expect=_has('id="search-results"'),
            )
            return
        response = self.page("GET", "/clients/", name="/clients/?q=…", params={"q": query})
        if response is not None:
            self.remember(response.text)
            self.reminder()

    @task(1)
    def client_history(self) -> None:
        if not self.client_ids:
            return self.client_search()
        pk = random.choice(self.client_ids)
        response = self.page("GET", f"/clients/{pk}/history/", name="/clients/<id>/history/")
        if response is not None:
            self.reminder()


class HeadUser(Workstation):
    """A department head loads an importer file on one app server and watches the background
    job read it from the other one: the file storage and the job queue are shared."""

    fixed_count = 1
    wait_time = between(15, 30)

    def login_name(self) -> str:
        return UPLOADER

    @task
    def upload_importer_file(self) -> None:
        first, other = HOSTS[0], HOSTS[-1]
        form = self.page(
            "GET",
            "/selections/upload/",
            name="/selections/upload/",
            host=first,
            expect=_has('name="file"'),
        )
        if form is None:
            return
        started = time.perf_counter()
        data = {
            "csrfmiddlewaretoken": self.csrf(form.text),
            "variant": _option(form.text, "variant", "Клиенты ТО"),
            "department": _option(form.text, "department", "Сервис"),
        }
        with IMPORTER_FILE.open("rb") as file:
            files = {"file": (IMPORTER_FILE.name, file, "application/octet-stream")}
            batch = self.page(
                "POST",
                "/selections/upload/",
                name="/selections/upload/ POST",
                host=first,
                data=data,
                files=files,
                expect=lambda r: (
                    bool(re.search(r"/selections/batches/\d+/$", r.url))
                    or "no batch: " + "; ".join(_form_errors_list(r.text))
                ),
            )
        if batch is None:
            return
        pk = int(re.search(r"/selections/batches/(\d+)/$", batch.url).group(1))
        deadline = time.monotonic() + JOB_TIMEOUT
        while True:
            progress = self.page(
                "GET",
                f"/selections/batches/{pk}/progress/",
                name="/selections/batches/<id>/progress/ (htmx)",
                host=other,
                htmx="importer-progress",
            )
            if progress is not None and progress.headers.get("HX-Refresh") == "true":
                break
            if time.monotonic() > deadline:
                self.job_result(started, f"batch {pk} not read in {JOB_TIMEOUT:g} s")
                return
            time.sleep(1)
        page = self.page(
            "GET", f"/selections/batches/{pk}/", name="/selections/batches/<id>/", host=other
        )
        if page is None:
            return
        state = re.search(r"Состояние</dt><dd>([^<]+)", page.text)
        state = state.group(1).strip() if state else "?"
        self.job_result(started, None if state == "Готово" else f"batch {pk}: {state}")

    def job_result(self, started: float, problem: str | None) -> None:
        """The whole upload → worker → ready as one line of the statistics."""
        events.request.fire(
            request_type="JOB",
            name="importer file: upload → read by db_worker",
            response_time=(time.perf_counter() - started) * 1000,
            response_length=0,
            exception=RuntimeError(problem) if problem else None,
            context={},
        )


def judge(response, *, logged_in: bool) -> str | None:
    """Why this answer is not a working page, or None when it is."""
    text = response.text or ""
    reason = None
    if TRACEBACK.search(text):
        reason = f"HTTP {response.status_code}: a traceback in the answer"
    elif response.status_code == 0 or response.status_code >= 400:
        kind = "the 503 page" if "Сервис временно недоступен" in text else "an error"
        reason = f"HTTP {response.status_code} ({kind})"
    elif ERROR_PAGE in text:
        reason = f"HTTP {response.status_code}: an error page"
    elif logged_in and urlsplit(response.url).path.startswith("/login/"):
        reason = "session lost: the login page"
    if reason and (folder := os.environ.get("LOADTEST_SAMPLES")):
        # The first answer of each status that failed, as the user got it.
        sample = Path(folder) / f"failed-{response.status_code}.html"
        if not sample.exists():
            sample.parent.mkdir(parents=True, exist_ok=True)
            sample.write_text(f"<!-- {response.url}: {reason} -->\n{text}")
    return reason


def _ids(pattern: str, text: str) -> list[int]:
    return sorted({int(x) for x in re.findall(pattern, text or "")})


def _has(marker: str):
    return lambda r: marker in r.text or f"no «{marker}» on the page"


def _field_value(text: str, name: str) -> str:
    found = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', text)
    return found.group(1) if found else ""


def _selected(text: str, name: str) -> str:
    select = re.search(rf'<select name="{re.escape(name)}"[^>]*>(.*?)</select>', text, re.S)
    if not select:
        return ""
    chosen = re.search(r'<option value="([^"]+)"[^>]*selected', select.group(1))
    first = re.search(r'<option value="([^"]+)"', select.group(1))
    return (chosen or first).group(1) if (chosen or first) else ""


def _option(text: str, name: str, label: str) -> str:
    select = re.search(rf'<select name="{re.escape(name)}"[^>]*>(.*?)</select>', text, re.S)
    if not select:  # a single choice is sent as a hidden input
        return _field_value(text, name)
    options = re.findall(r'<option value="([^"]+)"[^>]*>([^<]*)</option>', select.group(1))
    for value, text_ in options:
        if label in text_:
            return value
    return options[0][0] if options else ""


def _form_errors_list(text: str) -> list[str]:
    return [e.strip() for e in re.findall(r'class="field-error">([^<]+)<', text or "")]


def _form_errors(text: str) -> str:
    return "not saved: " + ("; ".join(_form_errors_list(text)) or "no «сохранена» message")
