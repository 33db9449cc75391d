"""Russian grammar for the phrases the admin builds around a model's name.

Django builds «Выберите %s для изменения», «Добавить %s», «%(count)s %(name)s» and
«%(name)s “%(obj)s” был успешно добавлен» from `verbose_name` in the nominative, and picks
between `verbose_name` and `verbose_name_plural` the English way (one / many). Russian declines
the noun («Выберите задачу», «Добавить задачу»), has three count forms («1 вид задачи»,
«2 вида задачи», «5 видов задач») and agrees the verb with the gender («Задача … была
добавлена»). So every model the admin shows names its forms here, in one table keyed by the
model's label, and the admin's base class (`crm_workstation.admin.AdminBaseMixin`) and templates
(`templates/admin/`) build their phrases from it.
"""

from dataclasses import dataclass

from django.db.models import Model
from django.db.models.options import Options
from django.utils.html import conditional_escape, format_html
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

MASCULINE, FEMININE, NEUTER = "m", "f", "n"


def plural_category(count: int) -> str:
    """The Russian count form: "one" (1, 21, 101), "few" (2–4, 22–24) or "many" (0, 5–20…)."""
    count = abs(int(count))
    if count % 10 == 1 and count % 100 != 11:
        return "one"
    if 2 <= count % 10 <= 4 and not 12 <= count % 100 <= 14:
        return "few"
    return "many"


@dataclass(frozen=True)
class Noun:
    """The forms of a model's name the admin's phrases need."""

    one: str  # nominative singular: «задача» (title, «1 задача», «Задача … добавлена»)
    acc: str  # accusative singular: «Выберите задачу», «Добавить задачу»
    few: str  # genitive singular, after 2–4: «2 задачи»
    plural: str  # nominative plural: «Задачи»
    acc_plural: str  # accusative plural: «Удалить выбранные задачи» / «… контрагентов»
    many: str  # genitive plural, after 0 and 5–20: «5 задач»
    gender: str = MASCULINE

    def for_count(self, count: int) -> str:
        return {"one": self.one, "few": self.few, "many": self.many}[plural_category(count)]

    def count(self, count: int) -> str:
        """«1 вид задачи», «2 вида задачи», «7 видов задач»."""
        return f"{count} {self.for_count(count)}"


def _noun(one, acc, few, plural, acc_plural, many, gender=MASCULINE) -> Noun:
    return Noun(one, acc, few, plural, acc_plural, many, gender)


# Every model registered in the admin (tests/test_admin_russian.py holds the table to that).
NOUNS: dict[str, Noun] = {
    "auth.Group": _noun(
        _("группа"), _("группу"), _("группы"), _("группы"), _("группы"), _("групп"), FEMININE
    ),
    "auth.User": _noun(
        _("пользователь"),
        _("пользователя"),
        _("пользователя"),
        _("пользователи"),
        _("пользователей"),
        _("пользователей"),
    ),
    "django_tasks_database.DBTaskResult": _noun(
        _("фоновое задание"),
        _("фоновое задание"),
        _("фоновых задания"),
        _("фоновые задания"),
        _("фоновые задания"),
        _("фоновых заданий"),
        NEUTER,
    ),
    "crm_workstation.Branch": _noun(
        _("структурная единица"),
        _("структурную единицу"),
        _("структурные единицы"),
        _("структурные единицы"),
        _("структурные единицы"),
        _("структурных единиц"),
        FEMININE,
    ),
    # ЦФО, «центр финансовой ответственности»: an abbreviation that does not decline.
    "crm_workstation.Department": _noun(_("ЦФО"), _("ЦФО"), _("ЦФО"), _("ЦФО"), _("ЦФО"), _("ЦФО")),
    "crm_workstation.Workshop": _noun(
        _("цех"), _("цех"), _("цеха"), _("цеха"), _("цеха"), _("цехов")
    ),
    "client_history.Client": _noun(
        _("контрагент"),
        _("контрагента"),
        _("контрагента"),
        _("контрагенты"),
        _("контрагентов"),
        _("контрагентов"),
    ),
    "client_history.Vehicle": _noun(
        _("автомобиль"),
        _("автомобиль"),
        _("автомобиля"),
        _("автомобили"),
        _("автомобили"),
        _("автомобилей"),
    ),
    "client_history.RepairOrder": _noun(
        _("заказ-наряд"),
        _("заказ-наряд"),
        _("заказ-наряда"),
        _("заказ-наряды"),
        _("заказ-наряды"),
        _("заказ-нарядов"),
    ),
    "client_history.Recommendation": _noun(
        _("рекомендация"),
        _("рекомендацию"),
        _("рекомендации"),
        _("рекомендации"),
        _("рекомендации"),
        _("рекомендаций"),
        FEMININE,
    ),
    "worksheets.Worksheet": _noun(
        _("рабочий лист"),
        _("рабочий лист"),
        _("рабочих листа"),
        _("рабочие листы"),
        _("рабочие листы"),
        _("рабочих листов"),
    ),
    "worksheets.Purpose": _noun(
        _("цель"), _("цель"), _("цели"), _("цели"), _("цели"), _("целей"), FEMININE
    ),
    "tasks.TaskType": _noun(
        _("вид задачи"),
        _("вид задачи"),
        _("вида задачи"),
        _("виды задач"),
        _("виды задач"),
        _("видов задач"),
    ),
    "tasks.PurchaseOption": _noun(
        _("вариант приобретения услуг сервиса"),
        _("вариант приобретения услуг сервиса"),
        _("варианта приобретения услуг сервиса"),
        _("варианты приобретения услуг сервиса"),
        _("варианты приобретения услуг сервиса"),
        _("вариантов приобретения услуг сервиса"),
    ),
    "tasks.InterviewResult": _noun(
        _("результат интервью"),
        _("результат интервью"),
        _("результата интервью"),
        _("результаты интервью"),
        _("результаты интервью"),
        _("результатов интервью"),
    ),
    "tasks.Task": _noun(
        _("задача"), _("задачу"), _("задачи"), _("задачи"), _("задачи"), _("задач"), FEMININE
    ),
    "tasks.ServiceRequest": _noun(
        _("заявка на обслуживание"),
        _("заявку на обслуживание"),
        _("заявки на обслуживание"),
        _("заявки на обслуживание"),
        _("заявки на обслуживание"),
        _("заявок на обслуживание"),
        FEMININE,
    ),
    "tasks.CallScript": _noun(
        _("сценарий звонка"),
        _("сценарий звонка"),
        _("сценария звонка"),
        _("сценарии звонков"),
        _("сценарии звонков"),
        _("сценариев звонков"),
    ),
    "tasks.FollowUpDelay": _noun(
        _("срок следующего звонка"),
        _("срок следующего звонка"),
        _("срока следующего звонка"),
        _("сроки следующего звонка"),
        _("сроки следующего звонка"),
        _("сроков следующего звонка"),
    ),
    "selections.SelectionKind": _noun(
        _("вид выборки"),
        _("вид выборки"),
        _("вида выборки"),
        _("виды выборок"),
        _("виды выборок"),
        _("видов выборок"),
    ),
    "selections.ImporterVariant": _noun(
        _("вариант файла импортера"),
        _("вариант файла импортера"),
        _("варианта файла импортера"),
        _("варианты файлов импортера"),
        _("варианты файлов импортера"),
        _("вариантов файлов импортера"),
    ),
    "selections.LeadBatch": _noun(
        _("пакет лидов"),
        _("пакет лидов"),
        _("пакета лидов"),
        _("пакеты лидов"),
        _("пакеты лидов"),
        _("пакетов лидов"),
    ),
    "selections.Lead": _noun(_("лид"), _("лид"), _("лида"), _("лиды"), _("лиды"), _("лидов")),
}


def noun_for(model_or_opts: type[Model] | Options) -> Noun:
    """The model's forms from the table; a model missing from it keeps Django's two names."""
    opts = getattr(model_or_opts, "_meta", model_or_opts)
    noun = NOUNS.get(opts.label)
    if noun is not None:
        return noun
    one, plural = str(opts.verbose_name), str(opts.verbose_name_plural)
    return Noun(one, one, plural, plural, plural, plural)


# Verb endings by gender: «был добавлен» / «была добавлена» / «было добавлено».
_ADDED = {
    MASCULINE: _("{name} «{obj}» был успешно добавлен."),
    FEMININE: _("{name} «{obj}» была успешно добавлена."),
    NEUTER: _("{name} «{obj}» было успешно добавлено."),
}
_CHANGED = {
    MASCULINE: _("{name} «{obj}» был успешно изменён."),
    FEMININE: _("{name} «{obj}» была успешно изменена."),
    NEUTER: _("{name} «{obj}» было успешно изменено."),
}
_DELETED = {
    MASCULINE: _("{name} «{obj}» был успешно удалён."),
    FEMININE: _("{name} «{obj}» была успешно удалена."),
    NEUTER: _("{name} «{obj}» было успешно удалено."),
}
_EDIT_AGAIN = {
    MASCULINE: _("Ниже его можно изменить снова."),
    FEMININE: _("Ниже её можно изменить снова."),
    NEUTER: _("Ниже его можно изменить снова."),
}
_ADD_ANOTHER = {
    MASCULINE: _("Ниже можно добавить ещё один {acc}."),
    FEMININE: _("Ниже можно добавить ещё одну {acc}."),
    NEUTER: _("Ниже можно добавить ещё одно {acc}."),
}
_NOT_FOUND = {
    MASCULINE: _("{name} с ID «{key}» не найден. Возможно, он был удалён."),
    FEMININE: _("{name} с ID «{key}» не найдена. Возможно, она была удалена."),
    NEUTER: _("{name} с ID «{key}» не найдено. Возможно, оно было удалено."),
}
_ONE_CHANGED = {
    MASCULINE: _("{count} был успешно изменён."),
    FEMININE: _("{count} была успешно изменена."),
    NEUTER: _("{count} было успешно изменено."),
}
_ONE_DELETED = {
    MASCULINE: _("Успешно удалён {count}."),
    FEMININE: _("Успешно удалена {count}."),
    NEUTER: _("Успешно удалено {count}."),
}


def changelist_title(noun: Noun, *, popup: bool, can_change: bool) -> str:
    if popup:
        return gettext("Выберите %s") % noun.acc
    if can_change:
        return gettext("Выберите %s для изменения") % noun.acc
    return gettext("Выберите %s для просмотра") % noun.acc


def change_form_title(noun: Noun, *, add: bool, can_change: bool) -> str:
    if add:
        return gettext("Добавить %s") % noun.acc
    if can_change:
        return gettext("Изменить %s") % noun.acc
    return gettext("Просмотреть %s") % noun.acc


def saved_message(noun: Noun, obj, *, added: bool, then: str | None = None) -> str:
    """«Задача «ЗД-000001» была успешно добавлена.», then optionally what the form offers next:
    "edit" («Ниже её можно изменить снова.») or "add" («Ниже можно добавить ещё одну задачу.»).
    `obj` may be a link (safe HTML), as Django's own message has it; the rest is escaped."""
    phrases = _ADDED if added else _CHANGED
    parts = [
        str(phrases[noun.gender]).format(name=conditional_escape(capfirst(noun.one)), obj="{}")
    ]
    if then == "edit":
        parts.append(str(_EDIT_AGAIN[noun.gender]))
    elif then == "add":
        parts.append(str(_ADD_ANOTHER[noun.gender]).format(acc=conditional_escape(noun.acc)))
    return format_html(" ".join(parts), obj)


def deleted_message(noun: Noun, obj_display: str) -> str:
    return str(_DELETED[noun.gender]).format(name=capfirst(noun.one), obj=obj_display)


def not_found_message(noun: Noun, key: str) -> str:
    return str(_NOT_FOUND[noun.gender]).format(name=capfirst(noun.one), key=key)


def bulk_changed_message(noun: Noun, count: int) -> str:
    """«1 вид задачи был успешно изменён.», «5 видов задач были успешно изменены.»"""
    if plural_category(count) == "one":
        return str(_ONE_CHANGED[noun.gender]).format(count=noun.count(count))
    return gettext("{count} были успешно изменены.").format(count=noun.count(count))


def bulk_deleted_message(noun: Noun, count: int) -> str:
    """«Успешно удалена 1 задача.», «Успешно удалены 2 задачи.», «Успешно удалено 5 задач.»"""
    category = plural_category(count)
    if category == "one":
        return str(_ONE_DELETED[noun.gender]).format(count=noun.count(count))
    if category == "few":
        return gettext("Успешно удалены {count}.").format(count=noun.count(count))
    return gettext("Успешно удалено {count}.").format(count=noun.count(count))


def delete_selected_label(noun: Noun) -> str:
    """«Удалить выбранные задачи», «Удалить выбранных контрагентов» (animate nouns)."""
    if noun.acc_plural == noun.plural:
        return gettext("Удалить выбранные %s") % noun.acc_plural
    return gettext("Удалить выбранных %s") % noun.acc_plural


def selected_objects(noun: Noun, count: int) -> str:
    """What «Вы уверены, что хотите удалить …?» deletes: «задачу», «выбранные задачи»."""
    if count == 1:
        return noun.acc
    if noun.acc_plural == noun.plural:
        return gettext("выбранные %s") % noun.acc_plural
    return gettext("выбранных %s") % noun.acc_plural
