"""The filter of «Аналитика»: the period (a preset or from/to), the structural unit, the
department and, for a department head, the manager. Everything lives in the query string; a
field with an error is reported and left out, never a server error."""

import datetime as dt
from dataclasses import dataclass, field

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm_workstation.models import Branch, Department
from crm_workstation.scoping import user_scope
from tasks.filters import DATE_VALIDATORS, day_start

MAX_PERIOD_DAYS = 3 * 366
PRESETS = [
    ("month", gettext_lazy("Этот месяц")),
    ("last_month", gettext_lazy("Прошлый месяц")),
    ("quarter", gettext_lazy("Этот квартал")),
    ("year", gettext_lazy("Этот год")),
    ("custom", gettext_lazy("Свой период")),
]
DEFAULT_PRESET = "month"


def is_head(user) -> bool:
    """A department head (or a superuser) sees every manager of their departments."""
    return user.is_superuser or user.has_perm("tasks.reassign_task")


def preset_range(preset: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """The first and the last day of a preset period around `today`."""
    month_start = today.replace(day=1)
    if preset == "last_month":
        last = month_start - dt.timedelta(days=1)
        return last.replace(day=1), last
    if preset == "quarter":
        start = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
        return start, _month_end(start.replace(month=start.month + 2))
    if preset == "year":
        return today.replace(month=1, day=1), today.replace(month=12, day=31)
    return month_start, _month_end(month_start)


def _month_end(day: dt.date) -> dt.date:
    following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


@dataclass(frozen=True)
class Period:
    """Days `first`..`last` (both in), as [start, end) in the workstation's time zone, and the
    period of equal length just before it."""

    first: dt.date
    last: dt.date

    @property
    def start(self) -> dt.datetime:
        return day_start(self.first)

    @property
    def end(self) -> dt.datetime:
        return day_start(self.last + dt.timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def previous(self) -> "Period":
        last = self.first - dt.timedelta(days=1)
        return Period(first=last - dt.timedelta(days=self.days - 1), last=last)

    def __str__(self) -> str:
        return f"{self.first:%d.%m.%Y} – {self.last:%d.%m.%Y}"


@dataclass(frozen=True)
class Filters:
    """What the page shows: the valid part of the filter, with the user's scope."""

    user: object
    period: Period
    branch: Branch | None = None
    department: Department | None = None
    manager: object | None = None
    head: bool = False
    labels: list[tuple[str, str]] = field(default_factory=list)


class AnalyticsFilterForm(forms.Form):
    period = forms.ChoiceField(
        label=gettext_lazy("Период"),
        choices=PRESETS,
        required=False,
        widget=forms.RadioSelect,
    )
    date_from = forms.DateField(
        label=gettext_lazy("с"),
        required=False,
        validators=DATE_VALIDATORS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=gettext_lazy("по"),
        required=False,
        validators=DATE_VALIDATORS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    branch = forms.ModelChoiceField(
        label=gettext_lazy("Структурная единица"),
        queryset=Branch.objects.none(),
        required=False,
        empty_label=gettext_lazy("Все мои"),
    )
    department = forms.ModelChoiceField(
        label=gettext_lazy("ЦФО"),
        queryset=Department.objects.none(),
        required=False,
        empty_label=gettext_lazy("Все мои"),
    )
    manager = forms.ModelChoiceField(
        label=gettext_lazy("Менеджер"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=gettext_lazy("Все"),
    )

    def __init__(self, data, *, user, today: dt.date | None = None):
        super().__init__(data)
        self.user = user
        self.today = today or timezone.localdate()
        self.head = is_head(user)
        scope = user_scope(user)
        branches = Branch.objects.order_by("name")
        departments = Department.objects.select_related("branch").order_by("branch__name", "name")
        if not scope.all_access:
            branches = branches.filter(
                Q(id__in=scope.branch_ids) | Q(departments__id__in=scope.department_ids)
            ).distinct()
            departments = departments.filter(id__in=scope.department_ids)
        self.fields["branch"].queryset = branches
        self.fields["department"].queryset = departments
        self.fields["department"].label_from_instance = lambda d: f"{d.name} ({d.branch.name})"
        if self.head:
            staff = get_user_model().objects.filter(is_active=True, profile__isnull=False)
            if not scope.all_access:
                staff = staff.filter(profile__departments__id__in=scope.department_ids)
            self.fields["manager"].queryset = staff.distinct().order_by(
                "last_name", "first_name", "username"
            )
            self.fields["manager"].label_from_instance = lambda u: u.get_full_name() or u.username
        else:
            del self.fields["manager"]
        messages = {
            "period": _(
                "Неизвестный период «%(value)s»: выберите «Этот месяц», «Прошлый месяц», "
                "«Этот квартал», «Этот год» или «Свой период»."
            ),
            "branch": _("Такой структурной единицы среди ваших нет: выберите из списка."),
            "department": _("Такого ЦФО среди ваших нет: выберите из списка."),
            "manager": _("Такого менеджера в ваших ЦФО нет: выберите из списка."),
        }
        for name, message in messages.items():
            if name in self.fields:
                self.fields[name].error_messages["invalid_choice"] = message
        for name in ("date_from", "date_to"):
            self.fields[name].error_messages["invalid"] = _(
                "Введите дату в виде ДД.ММ.ГГГГ, например 25.03.2025."
            )

    def clean(self):
        data = super().clean()
        first, last = data.get("date_from"), data.get("date_to")
        if first and last:
            if last < first:
                self.add_error("date_to", _("Дата «по» раньше даты «с»."))
            elif (last - first).days + 1 > MAX_PERIOD_DAYS:
                self.add_error("date_to", _("Период длиннее трёх лет: выберите период покороче."))
        branch, department = data.get("branch"), data.get("department")
        if branch and department and department.branch_id != branch.pk:
            self.add_error(
                "department", _("Этот ЦФО не относится к выбранной структурной единице.")
            )
        return data

    def filters(self) -> Filters:
        """The valid part of the filter (the defaults where a field has an error)."""
        self.is_valid()
        data = {k: v for k, v in getattr(self, "cleaned_data", {}).items() if k not in self.errors}
        preset = data.get("period") or ""
        first, last = preset_range(preset or DEFAULT_PRESET, self.today)
        # The dates count for «Свой период», or when no preset was chosen (a link with dates).
        if preset in ("custom", "") and (data.get("date_from") or data.get("date_to")):
            first = data.get("date_from") or data.get("date_to")
            last = data.get("date_to") or data.get("date_from")
            if last < first or (last - first).days + 1 > MAX_PERIOD_DAYS:
                first, last = preset_range(DEFAULT_PRESET, self.today)
        period = Period(first=first, last=last)
        branch, department = data.get("branch"), data.get("department")
        manager = data.get("manager") if self.head else None
        labels = [(_("Период"), str(period)), (_("Сравнение с"), str(period.previous))]
        labels.append((_("Структурная единица"), branch.name if branch else _("все мои")))
        labels.append(
            (
                _("ЦФО"),
                f"{department.name} ({department.branch.name})" if department else _("все мои"),
            )
        )
        if self.head:
            labels.append(
                (
                    _("Менеджер"),
                    (manager.get_full_name() or manager.username) if manager else _("все"),
                )
            )
        return Filters(
            user=self.user,
            period=period,
            branch=branch,
            department=department,
            manager=manager,
            head=self.head,
            labels=labels,
        )

    @property
    def chosen_preset(self) -> str:
        value = self.data.get("period") or ""
        if value in dict(PRESETS):
            return value
        return (
            "custom" if self.data.get("date_from") or self.data.get("date_to") else DEFAULT_PRESET
        )
