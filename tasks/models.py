"""Task reference lists, tasks (mostly calls) on worksheets, and the service requests they book."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from client_history.models import Client, RepairOrder
from crm_workstation.models import Branch, ReferenceItem, Workshop, next_number
from crm_workstation.scoping import filter_by_department
from worksheets.models import Worksheet

TASK_PREFIX = "ЗД"
SERVICE_REQUEST_PREFIX = "ЗС"


class TaskType(ReferenceItem):
    """Вид задачи."""

    code = models.SlugField(_("код"), max_length=50, unique=True)

    class Meta(ReferenceItem.Meta):
        verbose_name = _("вид задачи")
        verbose_name_plural = _("виды задач")


class InterviewResult(ReferenceItem):
    """Результат интервью."""

    class Behaviour(models.TextChoices):
        BOOKED_DURING_CALL = "booked_during_call", _("Записан во время звонка")
        BOOKED = "booked", _("Записан")
        OTHER = "other", _("Другое")

    allows_control = models.BooleanField(
        _("допускает контроль"),
        default=False,
        help_text=_(
            "Задача с этим результатом без отметки «Работа по цели завершена» встаёт на контроль."
        ),
    )
    behaviour = models.CharField(
        _("поведение формы"), max_length=20, choices=Behaviour.choices, default=Behaviour.OTHER
    )
    counts_as_booking = models.BooleanField(_("считается записью"), default=False)
    follow_up_days = models.PositiveSmallIntegerField(
        _("следующий звонок через, дней"),
        null=True,
        blank=True,
        help_text=_(
            "Какую дату предложить новой задаче после этого результата; пусто — как для "
            "«Интервью» в целом."
        ),
    )

    class Meta(ReferenceItem.Meta):
        verbose_name = _("результат интервью")
        verbose_name_plural = _("результаты интервью")


class PurchaseOption(ReferenceItem):
    """Вариант приобретения услуг сервиса."""

    class Meta(ReferenceItem.Meta):
        verbose_name = _("вариант приобретения услуг сервиса")
        verbose_name_plural = _("варианты приобретения услуг сервиса")


# The choices' values, for the constraints in Task.Meta (the enums are not in scope there).
STATUSES = ["new", "in_work", "on_control", "done", "cancelled"]
UNFINISHED_STATUSES = ["new", "in_work", "on_control"]
OUTCOMES = ["interview", "no_answer", "refused", "wrong_data", "repeat"]


class TaskQuerySet(models.QuerySet):
    def visible_to(self, user) -> "TaskQuerySet":
        return filter_by_department(self, user)

    def unfinished(self) -> "TaskQuerySet":
        return self.filter(status__in=Task.UNFINISHED)


class Task(models.Model):
    """Задача on a worksheet, with its result."""

    class Status(models.TextChoices):
        NEW = "new", _("Новая")
        IN_WORK = "in_work", _("В работе")
        ON_CONTROL = "on_control", _("На контроле")
        DONE = "done", _("Завершена")
        CANCELLED = "cancelled", _("Отменена")

    class Outcome(models.TextChoices):
        INTERVIEW = "interview", _("Интервью")
        NO_ANSWER = "no_answer", _("Недозвон")
        REFUSED = "refused", _("Отказ от общения")
        WRONG_DATA = "wrong_data", _("Некорректные данные")
        REPEAT = "repeat", _("Повторная обработка")

    class WrongData(models.TextChoices):
        PHONE = "phone", _("Неверный телефон")
        VEHICLE = "vehicle", _("Не тот автомобиль")
        OTHER = "other", _("Другое")

    UNFINISHED = (Status.NEW, Status.IN_WORK, Status.ON_CONTROL)

    number = models.CharField(_("номер"), max_length=20, unique=True, editable=False)
    worksheet = models.ForeignKey(
        "worksheets.Worksheet",
        verbose_name=_("рабочий лист"),
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    # The worksheet's department, kept on the task (by `save`, and by the worksheet when it
    # moves): what the user may see and what a department's lists and figures read is then one
    # indexed column of the task, not a join to every worksheet of the group.
    department = models.ForeignKey(
        "crm_workstation.Department",
        verbose_name=_("ЦФО"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        db_index=False,  # the indexes below lead with it
    )
    task_type = models.ForeignKey(
        TaskType, verbose_name=_("вид задачи"), on_delete=models.PROTECT, related_name="+"
    )
    vehicle = models.ForeignKey(
        "client_history.Vehicle",
        verbose_name=_("автомобиль"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tasks",
    )
    goal = models.TextField(_("цель задачи"), blank=True)
    planned_at = models.DateTimeField(_("запланирована на"))
    executor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("исполнитель"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="crm_tasks",
    )
    status = models.CharField(
        _("статус"), max_length=20, choices=Status.choices, default=Status.NEW
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("создал"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("создана"), default=timezone.now)
    taken_at = models.DateTimeField(_("взята в работу"), null=True, blank=True)
    finished_at = models.DateTimeField(_("завершена"), null=True, blank=True)
    previous_task = models.ForeignKey(
        "self",
        verbose_name=_("предыдущая задача"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_ups",
    )
    # The first task of this one's chain (itself for a first task): follow-ups and involvements
    # inherit it, so a campaign's bookings are counted back to the lead that started them.
    origin_task = models.ForeignKey(
        "self",
        verbose_name=_("первая задача цепочки"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="chain",
        editable=False,
    )
    involved_from = models.ForeignKey(
        "self",
        verbose_name=_("привлечена из задачи"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="involvements",
    )
    # The result.
    outcome = models.CharField(_("результат"), max_length=20, choices=Outcome.choices, blank=True)
    interview_result = models.ForeignKey(
        InterviewResult,
        verbose_name=_("результат интервью"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    purchase_option = models.ForeignKey(
        PurchaseOption,
        verbose_name=_("вариант приобретения услуг сервиса"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    comment = models.TextField(_("комментарий"), blank=True)
    reported_mileage = models.PositiveIntegerField(
        _("пробег со слов клиента, км"), null=True, blank=True
    )
    wrong_data = models.CharField(
        _("что некорректно"), max_length=10, choices=WrongData.choices, blank=True
    )
    goal_completed = models.BooleanField(_("работа по цели завершена"), default=False)
    copied_from = models.ForeignKey(
        "self",
        verbose_name=_("результат скопирован из"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Moved on by every save of the result: a save based on an older version is refused
    # (two users, or two tabs, never overwrite each other's result).
    version = models.PositiveIntegerField(_("версия"), default=0, db_default=0, editable=False)

    history = HistoricalRecords()
    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("задача")
        verbose_name_plural = _("задачи")
        ordering = ["planned_at", "id"]
        permissions = [("reassign_task", _("Может переназначать задачи"))]
        constraints = [
            # One unfinished task per (worksheet, type, vehicle); NULLs are never equal in a
            # unique index, so the vehicle-less case needs its own constraint.
            models.UniqueConstraint(
                fields=["worksheet", "task_type", "vehicle"],
                condition=Q(status__in=UNFINISHED_STATUSES),
                name="task_one_unfinished_per_type_vehicle",
            ),
            models.UniqueConstraint(
                fields=["worksheet", "task_type"],
                condition=Q(status__in=UNFINISHED_STATUSES, vehicle__isnull=True),
                name="task_one_unfinished_per_type_without_vehicle",
            ),
            models.CheckConstraint(condition=Q(status__in=STATUSES), name="task_status_known"),
            models.CheckConstraint(
                condition=Q(outcome="") | Q(outcome__in=OUTCOMES), name="task_outcome_known"
            ),
            # Taken, on control or done: somebody is (or was) its executor.
            models.CheckConstraint(
                condition=Q(status__in=["new", "cancelled"]) | Q(executor__isnull=False),
                name="task_taken_has_executor",
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | (~Q(outcome="") & Q(finished_at__isnull=False)),
                name="task_done_has_outcome_and_finish",
            ),
            models.CheckConstraint(
                condition=Q(goal_completed=False) | Q(status="done"),
                name="task_goal_completed_only_done",
            ),
            models.CheckConstraint(
                condition=~Q(status="new") | (Q(outcome="") & Q(finished_at__isnull=True)),
                name="task_new_has_no_result",
            ),
        ]
        indexes = [
            # «Мои задачи»: a user's tasks of a status in planned order, read from the index.
            models.Index(
                fields=["executor", "status", "planned_at"], name="task_executor_status_planned"
            ),
            # «Я исполнитель»: the user's taken tasks (in work and on control together) in
            # planned order; with a status pair the index above can only be filtered, not walked.
            models.Index(
                fields=["executor", "planned_at", "id"],
                name="task_taken_executor_planned",
                # OR, not IN: PostgreSQL prints an IN back in a form that reads differently when
                # seed_demo rebuilds the index from its definition.
                condition=models.Q(status="in_work") | models.Q(status="on_control"),
            ),
            models.Index(fields=["status", "planned_at"], name="task_status_planned"),
            # «Аналитика»: the tasks due in a period and the one before it, of every status.
            models.Index(fields=["planned_at"], name="task_planned"),
            # «Этапы сделок»: the worksheets of a user's tasks by status, from the index alone.
            # (The department last: «Мои задачи» counts a user's tasks in their departments.)
            models.Index(
                fields=["executor", "status", "worksheet", "department"],
                name="task_executor_status_ws",
            ),
            # A department's tasks due in a period («Аналитика»), with what its figures read:
            # counted from the index alone, where the rows themselves lie scattered among the
            # whole group's (seed L: a department's year, 22,000 table pages). SQLite leaves
            # the included columns out (models.W040 is silenced in the settings).
            models.Index(
                fields=["department", "planned_at"],
                include=[
                    "status",
                    "outcome",
                    "interview_result",
                    "executor",
                    "task_type",
                    "vehicle",
                    "finished_at",
                    "id",
                ],
                name="task_department_planned",
            ),
            # A department's unassigned tasks by status in planned order, with their worksheet:
            # «Мои задачи» (available to take) and «Этапы сделок» (Новые), from the index alone.
            models.Index(
                fields=["department", "status", "planned_at", "worksheet"],
                name="task_unassigned_department",
                condition=models.Q(executor__isnull=True),
            ),
            # The worksheets of a department with an unfinished task («Этапы сделок»:
            # Обработаны are those without one), from the index alone.
            models.Index(
                fields=["department", "worksheet"],
                name="task_unfinished_department",
                condition=models.Q(status="new")
                | models.Q(status="in_work")
                | models.Q(status="on_control"),
            ),
            # A worksheet's nearest unfinished task, the first entry under its id: «Этапы
            # сделок» orders a section's worksheets by it (seed M, Новые: 6,400 of them) and
            # shows it on each row; without it each one's unfinished tasks were read and sorted.
            models.Index(
                fields=["worksheet", "planned_at", "id"],
                name="task_unfinished_ws_planned",
                condition=models.Q(status="new")
                | models.Q(status="in_work")
                | models.Q(status="on_control"),
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def save(self, *args, **kwargs) -> None:
        if not self.number:
            self.number = next_number(TASK_PREFIX)
        if self.department_id is None or self.worksheet_id != getattr(
            self, "_loaded_worksheet_id", None
        ):
            self.department_id = self._worksheet_department_id()
            self._loaded_worksheet_id = self.worksheet_id
            update_fields = kwargs.get("update_fields")
            if update_fields is not None and "department" not in update_fields:
                kwargs["update_fields"] = [*update_fields, "department"]
        super().save(*args, **kwargs)

    @classmethod
    def from_db(cls, db, field_names, values):
        task = super().from_db(db, field_names, values)
        task._loaded_worksheet_id = task.__dict__.get("worksheet_id")
        return task

    def _worksheet_department_id(self) -> int | None:
        worksheet = self._state.fields_cache.get("worksheet")
        if worksheet is not None and worksheet.pk == self.worksheet_id:
            return worksheet.department_id
        return (
            Worksheet.objects.filter(pk=self.worksheet_id)
            .values_list("department_id", flat=True)
            .first()
        )

    @property
    def is_finished(self) -> bool:
        return self.status not in self.UNFINISHED

    @property
    def is_overdue(self) -> bool:
        return not self.is_finished and self.planned_at < timezone.now()


class ServiceRequest(models.Model):
    """Заявка на обслуживание."""

    class Status(models.TextChoices):
        NEW = "new", _("Новая")
        CONFIRMED = "confirmed", _("Подтверждена")
        ARRIVED = "arrived", _("Клиент приехал")
        CANCELLED = "cancelled", _("Отменена")

    number = models.CharField(_("номер"), max_length=20, unique=True, editable=False)
    worksheet = models.ForeignKey(
        "worksheets.Worksheet",
        verbose_name=_("рабочий лист"),
        on_delete=models.PROTECT,
        related_name="service_requests",
    )
    task = models.ForeignKey(
        Task,
        verbose_name=_("задача"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_requests",
    )
    vehicle = models.ForeignKey(
        "client_history.Vehicle",
        verbose_name=_("автомобиль"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    workshop = models.ForeignKey(
        Workshop,
        verbose_name=_("цех"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    desired_at = models.DateTimeField(_("желаемые дата и время"))
    requested_works = models.TextField(_("заказанные работы"))
    purchase_option = models.ForeignKey(
        PurchaseOption,
        verbose_name=_("вариант приобретения услуг сервиса"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    comment = models.TextField(_("комментарий"), blank=True)
    status = models.CharField(
        _("статус"), max_length=20, choices=Status.choices, default=Status.NEW
    )
    arrived_order = models.ForeignKey(
        RepairOrder,
        verbose_name=_("заказ-наряд приезда"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("создал"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("создана"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("заявка на обслуживание")
        verbose_name_plural = _("заявки на обслуживание")
        ordering = ["-desired_at", "-id"]
        indexes = [models.Index(fields=["vehicle", "desired_at"], name="sr_vehicle_desired")]

    def __str__(self) -> str:
        return self.number

    def save(self, *args, **kwargs) -> None:
        if not self.number:
            self.number = next_number(SERVICE_REQUEST_PREFIX)
        super().save(*args, **kwargs)

    # The client and the structural unit are the worksheet's: kept in one place, they cannot
    # disagree with it.
    @property
    def client(self) -> Client:
        return self.worksheet.client

    @property
    def branch(self) -> Branch:
        return self.workshop.branch if self.workshop_id else self.worksheet.department.branch


class FollowUpDelay(models.Model):
    """After an outcome, in how many days the new-task form suggests the next call."""

    outcome = models.CharField(
        _("результат"), max_length=20, choices=Task.Outcome.choices, unique=True
    )
    days = models.PositiveSmallIntegerField(_("через, дней"), default=1)

    class Meta:
        verbose_name = _("срок следующего звонка")
        verbose_name_plural = _("сроки следующего звонка")
        ordering = ["outcome"]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()}: {self.days}"


class CallScript(models.Model):
    """Сценарий звонка: the text a manager reads, per task type (and purpose), with the
    client's data filled in for the placeholders."""

    PLACEHOLDERS = {
        "клиент": _("ФИО или наименование клиента"),
        "автомобиль": _("марка, модель и госномер"),
        "последний визит": _("дата последнего заказ-наряда"),
        "следующее ТО": _("расчётная дата следующего ТО"),
        "менеджер": _("имя менеджера"),
    }

    task_type = models.ForeignKey(
        "TaskType", verbose_name=_("вид задачи"), on_delete=models.CASCADE, related_name="+"
    )
    purpose = models.ForeignKey(
        "worksheets.Purpose",
        verbose_name=_("цель"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Пусто — для любой цели."),
    )
    text = models.TextField(
        _("текст"),
        help_text=_(
            "Подстановки: {клиент}, {автомобиль}, {последний визит}, {следующее ТО}, {менеджер}."
        ),
    )

    class Meta:
        verbose_name = _("сценарий звонка")
        verbose_name_plural = _("сценарии звонков")
        ordering = ["task_type", "purpose"]
        constraints = [
            models.UniqueConstraint(
                fields=["task_type", "purpose"], name="callscript_one_per_type_purpose"
            ),
            models.UniqueConstraint(
                fields=["task_type"],
                condition=Q(purpose__isnull=True),
                name="callscript_one_per_type_any_purpose",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_type} / {self.purpose or '—'}"

    def clean(self) -> None:
        unknown = sorted(set(_PLACEHOLDER.findall(self.text)) - set(self.PLACEHOLDERS))
        if unknown:
            raise ValidationError(
                {
                    "text": gettext("Неизвестные подстановки: %(names)s.")
                    % {"names": ", ".join("{" + name + "}" for name in unknown)}
                }
            )

    def render(self, values: dict[str, str]) -> str:
        """The text with each known placeholder replaced by its value (or «—»)."""
        return _PLACEHOLDER.sub(
            lambda m: (
                values.get(m.group(1), "—") if m.group(1) in self.PLACEHOLDERS else m.group(0)
            ),
            self.text,
        )


_PLACEHOLDER = re.compile(r"\{([^{}]{1,40})\}")
