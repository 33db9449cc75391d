"""Give a demo database the managers a load test logs in as.

The demo has four managers (manager1, manager2, sales1, manager3); a day of 50 managers needs
50 logins, each with a desk of their own. This adds `load01` … `loadNN` (password `demo`, the
demo's), each a copy of one demo manager's role, branches and departments in turn, and shares
each demo manager's unfinished tasks evenly between them and their copies (one UPDATE per
copy), so «Мои задачи» and «Этапы сделок» look like a colleague's desk, not an empty one.

    DATABASE_URL=... python loadtest/prepare.py --users 50

Only on a database holding the demo data (and nothing else); running it again adds nobody.
"""

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "load"
TEMPLATES = ("manager1", "manager2", "sales1", "manager3")


def login_of(index: int) -> str:
    """The login of simulated user `index` (0-based): load01, load02, …"""
    return f"{PREFIX}{index + 1:02d}"


def prepare(users: int) -> list[str]:
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import User
    from django.db import transaction
    from django.db.models import F

    from crm_workstation.models import EmployeeProfile
    from demo.services import DEMO_PASSWORD, demo_state
    from tasks.models import Task

    state = demo_state()
    if not state.present or state.foreign:
        raise SystemExit("prepare.py: в базе нет демо-данных (или есть чужие): сначала seed_demo")
    templates = {u.username: u for u in User.objects.filter(username__in=TEMPLATES)}
    created: list[str] = []
    password = make_password(DEMO_PASSWORD)
    with transaction.atomic():
        copies: dict[str, list[User]] = {name: [] for name in TEMPLATES}
        for index in range(users):
            source = templates[TEMPLATES[index % len(TEMPLATES)]]
            user, new = User.objects.get_or_create(
                username=login_of(index),
                defaults={
                    "first_name": "Тест",
                    "last_name": f"Нагрузочный {index + 1:02d}",
                    "password": password,
                },
            )
            if not new:
                continue
            user.groups.set(source.groups.all())
            profile = EmployeeProfile.objects.create(user=user)
            profile.branches.set(source.profile.branches.all())
            profile.departments.set(source.profile.departments.all())
            copies[source.username].append(user)
            created.append(user.username)
        for name, clones in copies.items():
            if not clones:
                continue
            share = len(clones) + 1  # the demo manager keeps one share
            unfinished = Task.objects.filter(
                executor=templates[name], status__in=Task.UNFINISHED
            ).annotate(slot=F("id") % share)
            for slot, clone in enumerate(clones, start=1):
                unfinished.filter(slot=slot).update(executor=clone)
    return created


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm_workstation.settings")
    import django

    django.setup()
    created = prepare(args.users)
    print(f"prepare.py: менеджеров для нагрузки добавлено: {len(created)}")


if __name__ == "__main__":
    main()
