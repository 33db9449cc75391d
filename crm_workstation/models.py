"""The organisation core: branches, departments, workshops, employees, and number sequences."""

from django.conf import settings
from django.db import models, transaction
from django.db.models import F
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

    class Meta:
        verbose_name = _("профиль сотрудника")
        verbose_name_plural = _("профили сотрудников")

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
        verbose_name = _("нумератор")
        verbose_name_plural = _("нумераторы")

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
