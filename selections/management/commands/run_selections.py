"""`manage.py run_selections`: every active selection kind for its default period, leads
selected and worksheets created — for a nightly timer.

The period of each kind is its rule's default (`selections.rules.default_period`): next month
for maintenance due and warranty end, the month a year ago for lost clients, last month for open
recommendations, yesterday for the post-visit call. A kind by workshop runs once per workshop
of its branch.

Idempotent: a second run for the same day finds the batch the first one made (same kind,
workshop and period, made by the schedule) and only adds the leads it does not have yet; leads
already processed are never processed again, and the creation's dedup skips a client who
already has an unfinished task of the kind's type.
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from crm_workstation.models import Workshop
from selections.models import LeadBatch, SelectionKind
from selections.rules import default_period
from selections.services import (
    leads_set_selected,
    selection_run,
    worksheets_create_from_leads,
)


class Command(BaseCommand):
    help = "Запустить все активные виды выборок за их период и создать рабочие листы."

    def add_arguments(self, parser):
        parser.add_argument(
            "--date",
            help="День запуска ГГГГ-ММ-ДД (по умолчанию сегодня): от него считаются периоды.",
        )
        parser.add_argument(
            "--kind",
            type=int,
            action="append",
            help="Только этот вид выборки (id); можно повторять.",
        )
        parser.add_argument(
            "--no-create",
            action="store_true",
            help="Только выбрать лиды, рабочие листы не создавать.",
        )

    def handle(self, *args, date=None, kind=None, no_create=False, **options):
        try:
            today = dt.date.fromisoformat(date) if date else timezone.localdate()
        except ValueError:
            raise CommandError(f"Дата «{date}» не в формате ГГГГ-ММ-ДД.") from None
        kinds = SelectionKind.objects.filter(is_active=True).select_related("department")
        if kind:
            kinds = kinds.filter(pk__in=kind)
        totals = {"kinds": 0, "leads": 0, "created": 0, "added": 0, "skipped": 0}
        for selection_kind in kinds.order_by("department_id", "name"):
            period_from, period_to = default_period(selection_kind.rule, today)
            workshops: list[Workshop | None] = [None]
            if selection_kind.by_workshop:
                workshops = list(
                    Workshop.objects.filter(branch_id=selection_kind.department.branch_id).order_by(
                        "name"
                    )
                )
            for workshop in workshops:
                earlier = LeadBatch.objects.filter(
                    kind=LeadBatch.Kind.SELECTION,
                    selection_kind=selection_kind,
                    workshop=workshop,
                    period_from=period_from,
                    period_to=period_to,
                    created_by__isnull=True,
                ).first()
                batch = selection_run(
                    kind=selection_kind,
                    user=None,
                    period_from=period_from,
                    period_to=period_to,
                    workshop=workshop,
                    into=earlier,
                )
                line = (
                    f"{selection_kind} ({selection_kind.department})"
                    f"{f' · {workshop}' if workshop else ''}"
                    f" · {period_from:%d.%m.%Y}–{period_to:%d.%m.%Y}: новых лидов {batch.found}"
                )
                totals["kinds"] += 1
                totals["leads"] += batch.found
                if not no_create:
                    leads_set_selected(batch=batch, selected=True)
                    summary = worksheets_create_from_leads(batch=batch, user=None)
                    totals["created"] += summary.created
                    totals["added"] += summary.added
                    totals["skipped"] += summary.skipped_total
                    line += (
                        f"; рабочих листов создано {summary.created}, задач добавлено "
                        f"{summary.added}, пропущено {summary.skipped_total}"
                    )
                self.stdout.write(line)
        self.stdout.write(
            f"Итого: выборок {totals['kinds']}, новых лидов {totals['leads']}, рабочих листов "
            f"создано {totals['created']}, задач добавлено {totals['added']}, "
            f"пропущено {totals['skipped']}."
        )
