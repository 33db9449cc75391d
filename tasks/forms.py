"""The task window's forms: the result, and the three things that can be planned from it.

Each planned part has its own prefix and an «enabled» box, so one POST carries the result and
whatever the manager chose to add, and each part validates only when it is switched on.
"""

import datetime as dt

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from client_history.models import ClientPhone
from crm_workstation.models import Department, Workshop
from tasks import services
from tasks.models import InterviewResult, PurchaseOption, Task, TaskType
from worksheets.models import Worksheet
from worksheets.selectors import department_staff, reassign_departments

MAX_MILEAGE = 2_000_000
DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.get_username()


def _future(value: dt.datetime) -> dt.datetime:
    if value <= timezone.now():
        raise forms.ValidationError(_("Укажите дату и время в будущем."))
    return value


class ResultForm(forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("Результат"),
        choices=Task.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Выберите результат звонка.")},
    )
    interview_result = forms.ModelChoiceField(
        label=gettext_lazy("Результат интервью"),
        queryset=InterviewResult.objects.filter(is_active=True),
        widget=forms.RadioSelect,
        required=False,
        empty_label=None,
    )
    purchase_option = forms.ModelChoiceField(
        label=gettext_lazy("Вариант приобретения услуг сервиса"),
        queryset=PurchaseOption.objects.filter(is_active=True),
        required=False,
    )
    wrong_data = forms.ChoiceField(
        label=gettext_lazy("Что некорректно"),
        choices=Task.WrongData.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    wrong_phone = forms.ModelChoiceField(
        label=gettext_lazy("Неверный номер"), queryset=ClientPhone.objects.none(), required=False
    )
    comment = forms.CharField(
        label=gettext_lazy("Комментарий"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    reported_mileage = forms.IntegerField(
        label=gettext_lazy("Пробег со слов клиента, км"),
        required=False,
        min_value=0,
        max_value=MAX_MILEAGE,
    )
    copied_from = forms.ModelChoiceField(
        label=gettext_lazy("Результат из задачи"),
        queryset=Task.objects.none(),
        required=False,
        widget=forms.HiddenInput,
    )
    goal_completed = forms.BooleanField(
        label=gettext_lazy("Работа по цели завершена"), required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, task: Task, **kwargs):
        super().__init__(*args, **kwargs)
        self.task = task
        client = task.worksheet.client
        self.fields["wrong_phone"].queryset = ClientPhone.objects.filter(client=client)
        self.fields["copied_from"].queryset = completed_tasks_of(task)
        self.fields["interview_result"].label_from_instance = _result_label

    def clean(self):
        data = super().clean()
        outcome = data.get("outcome")
        result = data.get("interview_result")
        if outcome == Task.Outcome.INTERVIEW:
            if result is None:
                self.add_error("interview_result", _("Выберите результат интервью."))
            elif result.behaviour == InterviewResult.Behaviour.BOOKED:
                if data.get("purchase_option") is None:
                    self.add_error(
                        "purchase_option", _("Выберите вариант приобретения услуг сервиса.")
                    )
                self._require_comment(data)
            elif result.behaviour == InterviewResult.Behaviour.OTHER:
                self._require_comment(data)
        if outcome == Task.Outcome.WRONG_DATA:
            if not data.get("wrong_data"):
                self.add_error("wrong_data", _("Укажите, что некорректно."))
            elif data["wrong_data"] == Task.WrongData.PHONE and data.get("wrong_phone") is None:
                self.add_error("wrong_phone", _("Выберите неверный номер."))
        if outcome == Task.Outcome.REPEAT and data.get("copied_from") is None:
            self.add_error(
                "copied_from",
                _("Нажмите «Заполнить» и выберите задачу, в которой цель достигнута."),
            )
        return data

    def _require_comment(self, data) -> None:
        if not (data.get("comment") or "").strip():
            self.add_error("comment", _("Напишите комментарий."))

    @property
    def mileage_warning(self) -> str:
        """A reported mileage below the last known one is accepted, with a warning."""
        last = self.task.vehicle.last_mileage if self.task.vehicle else None
        mileage = self.cleaned_data.get("reported_mileage")
        if not last or mileage is None or mileage >= last:
            return ""
        return _("Пробег %(new)s км меньше последнего известного (%(old)s км): проверьте его.") % {
            "new": mileage,
            "old": last,
        }

    def to_result(self) -> services.TaskResult:
        data = self.cleaned_data
        outcome = data["outcome"]
        interview = outcome == Task.Outcome.INTERVIEW
        source = data.get("copied_from") if outcome == Task.Outcome.REPEAT else None
        if source is not None:
            return services.TaskResult(
                outcome=outcome,
                interview_result=source.interview_result,
                purchase_option=source.purchase_option,
                comment=data["comment"] or source.comment,
                reported_mileage=source.reported_mileage,
                goal_completed=data["goal_completed"],
                copied_from=source,
            )
        return services.TaskResult(
            outcome=outcome,
            interview_result=data["interview_result"] if interview else None,
            purchase_option=data["purchase_option"] if interview else None,
            comment=data["comment"].strip(),
            reported_mileage=data["reported_mileage"],
            wrong_data=data["wrong_data"] if outcome == Task.Outcome.WRONG_DATA else "",
            wrong_phone=data["wrong_phone"] if data.get("wrong_data") == "phone" else None,
            goal_completed=data["goal_completed"],
        )


def _result_label(result: InterviewResult) -> str:
    # Results that let the task stay on control carry a check mark (SPEC §4.1).
    return f"{result.name} ✓" if result.allows_control else result.name


def completed_tasks_of(task: Task):
    """The client's finished tasks with a result, for «Заполнить»."""
    return (
        Task.objects.filter(worksheet__client_id=task.worksheet.client_id, status=Task.Status.DONE)
        .exclude(pk=task.pk)
        .exclude(outcome__in=["", Task.Outcome.REPEAT])
    )


class _PlannedPart(forms.Form):
    """A part of the window switched on by its «enabled» box."""

    enabled = forms.BooleanField(required=False)

    def is_enabled(self) -> bool:
        return self.is_bound and self.data.get(self.add_prefix("enabled")) in ("on", "1", "true")

    def full_clean(self):
        super().full_clean()
        if self.is_bound and not self.is_enabled():
            # Switched off: nothing of it is checked, nothing of it is saved.
            self._errors = forms.utils.ErrorDict()


class FollowUpForm(_PlannedPart):
    task_type = forms.ModelChoiceField(
        label=gettext_lazy("Вид задачи"), queryset=TaskType.objects.filter(is_active=True)
    )
    planned_at = forms.DateTimeField(
        label=gettext_lazy("Дата и время"), widget=DATETIME_WIDGET, validators=[_future]
    )
    comment = forms.CharField(
        label=gettext_lazy("Комментарий"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    to_pool = forms.BooleanField(label=gettext_lazy("В общий список отдела"), required=False)

    def to_follow_up(self) -> services.FollowUp | None:
        if not self.is_enabled():
            return None
        d = self.cleaned_data
        return services.FollowUp(
            task_type=d["task_type"],
            planned_at=d["planned_at"],
            comment=d["comment"].strip(),
            to_pool=d["to_pool"],
        )


class InvolveForm(_PlannedPart):
    department = forms.ModelChoiceField(
        label=gettext_lazy("ЦФО"), queryset=Department.objects.none()
    )
    executor = PersonChoiceField(
        label=gettext_lazy("Исполнитель"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=gettext_lazy("— любой сотрудник отдела —"),
    )
    task_type = forms.ModelChoiceField(
        label=gettext_lazy("Вид задачи"), queryset=TaskType.objects.filter(is_active=True)
    )
    planned_at = forms.DateTimeField(
        label=gettext_lazy("Дата и время"), widget=DATETIME_WIDGET, validators=[_future]
    )
    comment = forms.CharField(
        label=gettext_lazy("Комментарий"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, task: Task | None = None, worksheet=None, **kwargs):
        # From the task window (the task's worksheet) or the worksheet window.
        super().__init__(*args, **kwargs)
        own = (worksheet or task.worksheet).department
        departments = (
            Department.objects.filter(branch_id=own.branch_id)
            .exclude(pk=own.pk)
            .select_related("branch")  # each choice is labelled with its branch
        )
        self.fields["department"].queryset = departments
        self.fields["executor"].queryset = (
            get_user_model()
            .objects.filter(is_active=True, profile__departments__in=departments)
            .distinct()
            .order_by("last_name", "first_name")
        )

    def clean(self):
        data = super().clean()
        department, executor = data.get("department"), data.get("executor")
        if (
            department
            and executor
            and not executor.profile.departments.filter(pk=department.pk).exists()
        ):
            self.add_error("executor", _("Этот сотрудник не работает в выбранном ЦФО."))
        return data

    def to_involvement(self) -> services.Involvement | None:
        if not self.is_enabled():
            return None
        d = self.cleaned_data
        return services.Involvement(
            department=d["department"],
            task_type=d["task_type"],
            planned_at=d["planned_at"],
            comment=d["comment"].strip(),
            executor=d["executor"],
        )


class ServiceRequestForm(_PlannedPart):
    workshop = forms.ModelChoiceField(
        label=gettext_lazy("Цех"), queryset=Workshop.objects.none(), required=False
    )
    desired_at = forms.DateTimeField(
        label=gettext_lazy("Желаемые дата и время"), widget=DATETIME_WIDGET, validators=[_future]
    )
    requested_works = forms.CharField(
        label=gettext_lazy("Работы"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    purchase_option = forms.ModelChoiceField(
        label=gettext_lazy("Вариант приобретения услуг сервиса"),
        queryset=PurchaseOption.objects.filter(is_active=True),
        required=False,
    )
    comment = forms.CharField(
        label=gettext_lazy("Комментарий"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, task: Task, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["workshop"].queryset = Workshop.objects.filter(
            branch_id=task.worksheet.department.branch_id
        )

    def to_booking(self) -> services.ServiceBooking | None:
        if not self.is_enabled():
            return None
        d = self.cleaned_data
        return services.ServiceBooking(
            workshop=d["workshop"],
            desired_at=d["desired_at"],
            requested_works=d["requested_works"].strip(),
            purchase_option=d["purchase_option"],
            comment=d["comment"].strip(),
        )


class WorksheetInvolveForm(InvolveForm):
    """«Привлечь исполнителя» on the worksheet window: the form stands alone, always on."""

    def is_enabled(self) -> bool:
        return self.is_bound


class IdsChoiceField(forms.ModelMultipleChoiceField):
    """Ticked rows' ids. An id beyond a bigint is no row of ours: refused like any unknown
    id, before the query (SQLite cannot even compare it: OverflowError)."""

    def _check_values(self, value):
        for pk in value:
            try:
                too_big = abs(int(str(pk))) >= 2**63
            except ValueError:
                continue  # not a number: the parent's «invalid_pk_value»
            if too_big:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super()._check_values(value)


class ReassignForm(forms.Form):
    """A department head gives tasks to a manager of the department: the ticked tasks, the
    unfinished tasks of the ticked worksheets, or «Поставить» — of the whole filtered list."""

    executor = PersonChoiceField(
        label=gettext_lazy("Кому передать"),
        queryset=get_user_model().objects.none(),
        empty_label=gettext_lazy("— выберите сотрудника —"),
        error_messages={"required": gettext_lazy("Выберите сотрудника, которому передать задачи.")},
    )
    task = IdsChoiceField(queryset=Task.objects.none(), required=False)
    worksheet = IdsChoiceField(queryset=Worksheet.objects.none(), required=False)
    everything = forms.BooleanField(label=gettext_lazy("Поставить — весь список"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        departments = reassign_departments(user=user)
        self.fields["executor"].queryset = department_staff(departments=departments)
        self.fields["task"].queryset = Task.objects.filter(department__in=departments)
        self.fields["worksheet"].queryset = Worksheet.objects.filter(department__in=departments)
        for name in ("task", "worksheet"):
            self.fields[name].error_messages.update(
                invalid_choice=_("Задача или рабочий лист не найдены: обновите страницу."),
                invalid_pk_value=_("Задача или рабочий лист не найдены: обновите страницу."),
            )
        self.fields["executor"].error_messages["invalid_choice"] = _(
            "Этого сотрудника нет среди сотрудников ваших ЦФО."
        )

    def clean(self):
        data = super().clean()
        if not (data.get("task") or data.get("worksheet") or data.get("everything")):
            raise forms.ValidationError(
                _("Отметьте задачи или рабочие листы либо «Поставить — весь список».")
            )
        return data
