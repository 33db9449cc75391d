"""The organisation core: branches, departments, workshops, employees, and number sequences."""

from django.conf import settings
from django.db import connection, models
from django.utils.translation import gettext_lazy as _


class Branch(models.Model):
    """Структурная единица: a dealership branch / legal site."""

    name = models.CharField(_("наименование"), max_length=200, unique=True)
    code = models.CharField(_("код"), max_length=20, unique=True)
    address = models.CharField(_("адрес"), max_length=300, blank=True)
    is_multiservice = models.BooleanField(
        _("мультисервис"), default=False, help_text=_("Многобрендовый сервисный центр с цехами.")
    )

    class Meta:
        verbose_name = _("структурная единица")
        verbose_name_plural = _("структурные единицы")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    """ЦФО: a department of a branch with its own P&L."""

    class Kind(models.TextChoices):
        SERVICE = "service", _("Сервис")
        SALES = "sales", _("Отдел продаж")
        PARTS = "parts", _("Запчасти")
        BODY = "body", _("Кузовной цех")
        OTHER = "other", _("Другое")

    branch = models.ForeignKey(
        Branch,
        verbose_name=_("структурная единица"),
        on_delete=models.PROTECT,
        related_name="departments",
    )
    name = models.CharField(_("наименование"), max_length=200)
    kind = models.CharField(_("вид"), max_length=20, choices=Kind.choices, default=Kind.SERVICE)

    class Meta:
        verbose_name = _("ЦФО")
        verbose_name_plural = _("ЦФО")
        ordering = ["branch__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["branch", "name"], name="department_unique_name_in_branch"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.branch.name})"


class Workshop(models.Model):
    """Цех of a (multi-brand) service centre."""

    branch = models.ForeignKey(
        Branch,
        verbose_name=_("структурная единица"),
        on_delete=models.PROTECT,
        related_name="workshops",
    )
    name = models.CharField(_("наименование"), max_length=200)

    class Meta:
        verbose_name = _("цех")
        verbose_name_plural = _("цеха")
        ordering = ["branch__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["branch", "name"], name="workshop_unique_name_in_branch"
            )
        ]

    def __str__(self) -> str:
        return self.name


class EmployeeProfile(models.Model):
    """Links a user to the branches and departments whose data they work with."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("пользователь"),
        on_delete=models.CASCADE,
        related_name="profile",
    )
    branches = models.ManyToManyField(Branch, verbose_name=_("структурные единицы"), blank=True)
    departments = models.ManyToManyField(Department, verbose_name=_("ЦФО"), blank=True)
    phone_extension = models.CharField(_("добавочный номер"), max_length=10, blank=True)
    # «Мои задачи» as a list or as note cards: the user's last choice, kept for next time.
    my_tasks_view = models.CharField(
        _("вид «Моих задач»"),
        max_length=10,
        choices=[("list", _("Список")), ("cards", _("Заметки"))],
        default="list",
    )

    class Meta:
        verbose_name = _("профиль сотрудника")
        verbose_name_plural = _("профили сотрудников")

    def __str__(self) -> str:
        return str(self.user)


class ReferenceItem(models.Model):
    """A row of an admin-managed list: a name, its place in the list, and whether it is offered."""

    name = models.CharField(_("наименование"), max_length=200, unique=True)
    order = models.PositiveSmallIntegerField(_("порядок"), default=100)
    is_active = models.BooleanField(_("используется"), default=True)

    class Meta:
        abstract = True
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class NumberSequence(models.Model):
    """A counter behind human numbers (РЛ-000123, ЗД-000045, ЗС-000007).

    Reserving numbers must never make another user's save wait for the reserving transaction
    to end (creating 5,000 worksheets in one request would stall everybody). On PostgreSQL each
    counter is therefore a database sequence, whose `nextval` is outside transactions: gaps are
    possible (a rolled-back save loses its numbers), duplicates are not, and the unique
    constraint on each number column keeps it so. SQLite lets one writer in at a time anyway,
    so there the counter is this table's row, moved in the caller's transaction.
    """

    name = models.CharField(max_length=30, primary_key=True)
    value = models.BigIntegerField(default=0)

    # Counter name → its PostgreSQL sequence (created by a migration: a sequence made on the fly
    # would lock the catalogue until the creating transaction ends).
    SEQUENCES = {
        "РЛ": "crm_number_worksheet",
        "ЗД": "crm_number_task",
        "ЗС": "crm_number_service_request",
    }

    class Meta:
        verbose_name = _("нумератор")
        verbose_name_plural = _("нумераторы")

    def __str__(self) -> str:
        return f"{self.name}: {self.value}"

    @classmethod
    def reserve(cls, name: str, count: int = 1) -> list[int]:
        """Reserve `count` numbers of the counter `name` in one statement and return them."""
        if count < 1:
            return []
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT nextval(%s) FROM generate_series(1, %s)",
                    [cls.SEQUENCES[name], count],
                )
                return [row[0] for row in cursor.fetchall()]
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {cls._meta.db_table} (name, value) VALUES (%s, %s) "
                "ON CONFLICT (name) DO UPDATE SET value = value + excluded.value RETURNING value",
                [name, count],
            )
            last = cursor.fetchone()[0]
        return list(range(last - count + 1, last + 1))

    @classmethod
    def reset(cls, name: str) -> None:
        """Start the counter again from 1 (the demo data's reset)."""
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT setval(%s, 1, false)", [cls.SEQUENCES[name]])
        cls.objects.filter(name=name).delete()


def format_number(prefix: str, value: int) -> str:
    return f"{prefix}-{value:06d}"


def next_number(prefix: str) -> str:
    """One new human number of the counter `prefix`, formatted: РЛ-000123."""
    return format_number(prefix, NumberSequence.reserve(prefix)[0])
