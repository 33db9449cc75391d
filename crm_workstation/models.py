"""The organisation core: branches, departments, workshops, employees, and number sequences."""

from django.conf import settings
from django.db import models, transaction
from django.db.models import F


class Branch(models.Model):
    """Структурная единица: a dealership branch / legal site."""

    name = models.CharField("наименование", max_length=200, unique=True)
    code = models.CharField("код", max_length=20, unique=True)
    address = models.CharField("адрес", max_length=300, blank=True)
    is_multiservice = models.BooleanField(
        "мультисервис", default=False, help_text="Многобрендовый сервисный центр с цехами."
    )

    class Meta:
        verbose_name = "структурная единица"
        verbose_name_plural = "структурные единицы"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    """ЦФО: a department of a branch with its own P&L."""

    class Kind(models.TextChoices):
        SERVICE = "service", "Сервис"
        SALES = "sales", "Отдел продаж"
        PARTS = "parts", "Запчасти"
        BODY = "body", "Кузовной цех"
        OTHER = "other", "Другое"

    branch = models.ForeignKey(
        Branch,
        verbose_name="структурная единица",
        on_delete=models.PROTECT,
        related_name="departments",
    )
    name = models.CharField("наименование", max_length=200)
    kind = models.CharField("вид", max_length=20, choices=Kind.choices, default=Kind.SERVICE)

    class Meta:
        verbose_name = "ЦФО"
        verbose_name_plural = "ЦФО"
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
        verbose_name="структурная единица",
        on_delete=models.PROTECT,
        related_name="workshops",
    )
    name = models.CharField("наименование", max_length=200)

    class Meta:
        verbose_name = "цех"
        verbose_name_plural = "цеха"
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
        verbose_name="пользователь",
        on_delete=models.CASCADE,
        related_name="profile",
    )
    branches = models.ManyToManyField(Branch, verbose_name="структурные единицы", blank=True)
    departments = models.ManyToManyField(Department, verbose_name="ЦФО", blank=True)
    phone_extension = models.CharField("добавочный номер", max_length=10, blank=True)

    class Meta:
        verbose_name = "профиль сотрудника"
        verbose_name_plural = "профили сотрудников"

    def __str__(self) -> str:
        return str(self.user)


class NumberSequence(models.Model):
    """A counter behind human numbers (РЛ-000123, З-000045, ЗН-000007).

    Incremented with an UPDATE inside the caller's transaction, so the row stays locked until
    commit and two concurrent saves never get the same number.
    """

    name = models.CharField(max_length=30, primary_key=True)
    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "нумератор"
        verbose_name_plural = "нумераторы"

    def __str__(self) -> str:
        return f"{self.name}: {self.value}"

    @classmethod
    def reserve(cls, name: str, count: int = 1) -> int:
        """Reserve `count` numbers and return the first one."""
        with transaction.atomic():
            cls.objects.get_or_create(name=name)
            cls.objects.filter(name=name).update(value=F("value") + count)
            last = cls.objects.values_list("value", flat=True).get(name=name)
        return last - count + 1


def format_number(prefix: str, value: int) -> str:
    return f"{prefix}-{value:06d}"
