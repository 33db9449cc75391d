"""The tab's tables as rows of plain values, for the .xlsx exports: the same figures the page
shows, each beside the previous period's."""

import datetime as dt

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics import selectors
from analytics.forms import Filters
from analytics.xlsx import Sheet
from selections.models import LeadBatch
from tasks.models import Task

BLOCKS = {
    "funnel": gettext_lazy("Воронка"),
    "outcomes": gettext_lazy("Результаты по видам задач"),
    "managers": gettext_lazy("Менеджеры"),
    "campaigns": gettext_lazy("Кампании"),
    "batches": gettext_lazy("Пакеты лидов"),
    "backlog": gettext_lazy("Незавершённые задачи"),
}
OUTCOME_LABELS = [label for _value, label in Task.Outcome.choices]
BACKLOG_LABELS = [
    ("overdue", gettext_lazy("Просрочены")),
    ("today", gettext_lazy("Сегодня")),
    ("week", gettext_lazy("Следующие 7 дней")),
]
CAMPAIGN_LABELS = {
    "batches": gettext_lazy("Пакетов"),
    "leads": gettext_lazy("Лидов"),
    "worksheets": gettext_lazy("Рабочих листов"),
    "booked": gettext_lazy("Записались"),
    "arrived": gettext_lazy("Приехали"),
    "revenue": gettext_lazy("Выручка, ₽"),
}


def hours(value: dt.timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds() / 3600, 1)


def _pair(label) -> list[str]:
    return [str(label), _("%(figure)s, пред. период") % {"figure": label}]


def _funnel(filters: Filters) -> Sheet:
    funnel = selectors.funnel(filters)
    rows = [
        [step.label, step.figure.current, step.figure.previous, step.share] for step in funnel.steps
    ]
    rows.append([_("Выручка приехавших, ₽"), funnel.revenue.current, funnel.revenue.previous, None])
    columns = [_("Шаг"), _("Период"), _("Пред. период"), _("% от задач")]
    return Sheet(title=str(BLOCKS["funnel"]), columns=columns, rows=rows)


def _outcomes(filters: Filters) -> Sheet:
    columns = [_("Вид задачи")]
    for label in [*OUTCOME_LABELS, _("Всего")]:
        columns += _pair(label)
    rows = [
        [
            row.task_type,
            *[
                value
                for figure in [*row.cells, row.total]
                for value in (figure.current, figure.previous)
            ],
        ]
        for row in selectors.outcomes(filters)
    ]
    return Sheet(title=str(BLOCKS["outcomes"]), columns=columns, rows=rows)


MANAGER_COLUMNS = [
    ("done", gettext_lazy("Завершено задач")),
    ("reach_rate", gettext_lazy("Дозвон, %")),
    ("booking_rate", gettext_lazy("Запись, %")),
    ("on_control", gettext_lazy("На контроле")),
    ("overdue", gettext_lazy("Просрочено")),
    ("median_to_done", gettext_lazy("Медиана от срока до завершения, ч")),
]


def _managers(filters: Filters) -> Sheet:
    columns = [_("Менеджер")]
    for _key, label in MANAGER_COLUMNS:
        columns += _pair(label)
    rows = []
    for row in selectors.managers(filters):
        values = [row.name]
        for key, _label in MANAGER_COLUMNS:
            figure = getattr(row, key)
            if key == "median_to_done":
                values += [hours(figure.current), hours(figure.previous)]
            else:
                values += [figure.current, figure.previous]
        rows.append(values)
    return Sheet(title=str(BLOCKS["managers"]), columns=columns, rows=rows)


def _campaigns(filters: Filters) -> Sheet:
    columns = [_("Кампания"), _("Источник")]
    for label in CAMPAIGN_LABELS.values():
        columns += _pair(label)
    rows = [
        [
            row.name,
            row.source,
            *[
                v
                for key in CAMPAIGN_LABELS
                for v in (row.figures[key].current, row.figures[key].previous)
            ],
        ]
        for row in selectors.campaigns(filters)
    ]
    return Sheet(title=str(BLOCKS["campaigns"]), columns=columns, rows=rows)


def batch_name(row: dict) -> str:
    return row["kind_name"] or row["variant_name"] or row["file_name"] or "—"


def _batches(filters: Filters) -> Sheet:
    kinds = dict(LeadBatch.Kind.choices)
    columns = [_("Создан"), _("Пакет"), _("Источник"), _("ЦФО")]
    columns += [str(label) for key, label in CAMPAIGN_LABELS.items() if key != "batches"]
    rows = [
        [
            row["created_at"],
            batch_name(row),
            str(kinds.get(row["kind"], row["kind"])),
            row["department_name"],
            row["leads_cur"],
            row["worksheets_cur"],
            row["booked_cur"],
            row["arrived_cur"],
            row["revenue_cur"],
        ]
        for row in selectors.with_batch_figures(filters, list(selectors.batches(filters)))
    ]
    return Sheet(title=str(BLOCKS["batches"]), columns=columns, rows=rows)


def _backlog(filters: Filters) -> Sheet:
    columns = [_("Исполнитель"), *[str(label) for _key, label in BACKLOG_LABELS], _("Всего")]
    rows = [
        [row.name, row.overdue, row.today, row.week, row.total]
        for row in selectors.backlog(filters)
    ]
    return Sheet(title=str(BLOCKS["backlog"]), columns=columns, rows=rows)


BUILDERS = {
    "funnel": _funnel,
    "outcomes": _outcomes,
    "managers": _managers,
    "campaigns": _campaigns,
    "batches": _batches,
    "backlog": _backlog,
}


def sheet(block: str, filters: Filters) -> Sheet:
    return BUILDERS[block](filters)
