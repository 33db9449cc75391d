"""Admin of the organisation core (branches, departments, workshops, users), and the pieces the
other apps' admins share: Russian phrases and safe lists (`AdminBaseMixin`), scoping to the
user's branches and departments, and people shown by their names."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import NotRelationField, get_fields_from_path, quote, unquote
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import DatabaseError, models, router, transaction
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from crm_workstation import admin_grammar as grammar
from crm_workstation.models import Branch, Department, EmployeeProfile, Workshop
from crm_workstation.scoping import filter_by_branch, filter_by_department, user_scope

User = get_user_model()

# A search longer than this is no name, number or phone, and a thousand words make a query
# the database refuses (SQLite: "Expression tree is too large").
MAX_SEARCH_CHARS = 200
MAX_SEARCH_WORDS = 10

# Date parts a list URL may filter on (`created_at__year=2024`), with the values that make
# sense: the database (or Python's datetime) fails on a year 0, -1 or 10000 at query time.
_DATE_PART_BOUNDS = {
    "year": (1, 9998),  # 9998: the date hierarchy adds a year to it
    "iso_year": (1, 9998),
    "quarter": (1, 4),
    "month": (1, 12),
    "week": (1, 53),
    "day": (1, 31),
    "week_day": (1, 7),
    "iso_week_day": (1, 7),
    "hour": (0, 23),
    "minute": (0, 59),
    "second": (0, 59),
}
_COMPARISONS = {"exact", "gt", "gte", "lt", "lte", "in", "range"}


def employees_visible_to(user) -> QuerySet:
    """Active users a form may offer `user` (as executor, responsible…): all for a superuser,
    else the people of the user's own departments."""
    users = User.objects.filter(is_active=True).order_by("last_name", "first_name", "username")
    scope = user_scope(user)
    if scope.all_access:
        return users
    return users.filter(profile__departments__in=scope.department_ids).distinct()


def organisation_choices(related, user) -> QuerySet | None:
    """The branches, departments, workshops or people `user` may pick or filter by; None for
    any other model."""
    if related is User:
        return employees_visible_to(user)
    if related is Department:
        return filter_by_department(Department.objects.select_related("branch"), user, "id")
    if related is Branch:
        return filter_by_branch(Branch.objects.all(), user, "id")
    if related is Workshop:
        return filter_by_branch(Workshop.objects.all(), user, "branch")
    return None


def person_name(user) -> str:
    """A person as a department head knows them: «Соколова Елена»; the login only when the
    account has no name."""
    if user is None:
        return "—"
    return f"{user.last_name} {user.first_name}".strip() or user.username


def person_column(field: str, description):
    """A changelist or read-only column showing the user in `field` by name, sorted by it:
    put it in `list_display`, or set it as an admin attribute for `readonly_fields`."""

    @admin.display(description=description, ordering=f"{field}__last_name")
    def column(*args) -> str:
        # (obj) in list_display, (admin, obj) when set as an admin's attribute.
        return person_name(getattr(args[-1], field))

    column.__name__ = f"{field}_name"
    return column


def department_column(field: str = "department"):
    """A narrow column of the department in `field`: its name, the branch in a tooltip."""

    @admin.display(description=_("ЦФО"), ordering=f"{field}__name")
    def column(*args) -> str:
        department = getattr(args[-1], field)
        return format_html('<span title="{}">{}</span>', department.branch, department.name)

    column.__name__ = f"{field}_name"
    return column


class EmployeeChoiceField(forms.ModelChoiceField):
    """A user choice labelled by the person's name, not the login."""

    def label_from_instance(self, obj) -> str:
        return person_name(obj)


class ScopedRelatedListFilter(admin.RelatedFieldListFilter):
    """A filter by a branch, department or workshop offering only those of the viewer's scope."""

    def field_choices(self, field, request: HttpRequest, model_admin):
        choices = organisation_choices(field.related_model, request.user)
        return [(obj.pk, str(obj)) for obj in choices]


class EmployeeListFilter(admin.RelatedFieldListFilter):
    """A filter by a user field offering the people the viewer may see, by name."""

    def __init__(self, field, request: HttpRequest, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        self.empty_value_display = gettext("не назначен")

    def field_choices(self, field, request: HttpRequest, model_admin):
        return [(user.pk, person_name(user)) for user in employees_visible_to(request.user)]


def human_number_q(term: str, field: str = "number") -> Q:
    """A human number typed in full (РЛ-000123) or by its digits (123, 000123)."""
    q = Q(**{field: term.upper()})
    # isdecimal, not isdigit: "²" is a digit that int() refuses; a long run of digits is no
    # number of ours (and int() refuses one over 4300 digits).
    if term.isdecimal() and len(term) <= 12 and int(term):
        q |= Q(**{f"{field}__endswith": f"-{int(term):06d}"})
    return q


def cap_search_term(term: str) -> str:
    """At most MAX_SEARCH_CHARS characters and MAX_SEARCH_WORDS words of `term`."""
    return " ".join(term[:MAX_SEARCH_CHARS].split()[:MAX_SEARCH_WORDS])


def clean_search_term(term: str) -> str:
    """An admin search term without control characters (PostgreSQL refuses NUL), trimmed, and
    capped in length and words (the autocomplete passes the term through as typed)."""
    return cap_search_term("".join(ch if ch.isprintable() else " " for ch in term))


def _bad_lookup(key: str, values: list[str]) -> bool:
    """A list URL parameter no query can answer: a NUL (PostgreSQL refuses it in text) or a
    date part out of its range (`created_at__year=-1` fails when the query is compiled)."""
    if "\x00" in key or any("\x00" in value for value in values):
        return True
    parts = key.split("__")
    for index, part in enumerate(parts[1:], start=1):
        if part not in _DATE_PART_BOUNDS or not set(parts[index + 1 :]) <= _COMPARISONS:
            continue
        low, high = _DATE_PART_BOUNDS[part]
        for value in values:
            for item in value.split(",") if parts[-1] in ("in", "range") else [value]:
                item = item.strip()
                if not (item.lstrip("-").isdecimal() and low <= int(item) <= high):
                    return True
    return False


class SafeChangeList(ChangeList):
    """A changelist that answers any query string with a page, never a 500.

    Parameters no query can answer raise `IncorrectLookupParameters`, which the admin turns
    into a redirect to the whole list (`?e=1`) with a message; an over-long search is cut with
    a message; and whatever the database still refuses while the page's rows are read is
    treated the same way. Its title is declined (`admin_grammar`).
    """

    def __init__(self, request: HttpRequest, *args, **kwargs) -> None:
        self._search_capped = False
        super().__init__(request, *args, **kwargs)
        self.title = grammar.changelist_title(
            grammar.noun_for(self.opts),
            popup=self.is_popup,
            can_change=self.model_admin.has_change_permission(request),
        )

    def get_queryset(self, request: HttpRequest, exclude_parameters=None):
        for key, values in self.get_filters_params().items():
            if _bad_lookup(key, values):
                raise IncorrectLookupParameters(key)
        if not self._search_capped:
            self._search_capped = True
            capped = cap_search_term(self.query)
            if capped != " ".join(self.query.split()):
                messages.warning(
                    request,
                    gettext(
                        "Поисковый запрос слишком длинный: ищутся первые %(words)s слов "
                        "(не больше %(chars)s символов)."
                    )
                    % {"words": MAX_SEARCH_WORDS, "chars": MAX_SEARCH_CHARS},
                )
                self.query = capped
        return super().get_queryset(request, exclude_parameters)

    def get_results(self, request: HttpRequest) -> None:
        try:
            with transaction.atomic(using=router.db_for_read(self.model)):
                super().get_results(request)
                len(self.result_list)  # read the rows here, where a refusal can be caught
        except (DatabaseError, ValueError, OverflowError) as error:
            raise IncorrectLookupParameters(error) from error


_MESSAGE_INSTEAD = "_crm_admin_message"


def _say_instead(request: HttpRequest, message) -> None:
    """The next `message_user` of this request shows `message` (a text or a callable giving
    one) instead of the one Django built from the undeclined model name."""
    setattr(request, _MESSAGE_INSTEAD, message)


class AdminBaseMixin:
    """What every admin of the project shares (tests/test_admin_russian.py holds every
    registered admin to it):

    - phrases around the model's name declined the Russian way (`admin_grammar`): titles,
      «Добавить задачу», «5 задач», «Задача «ЗД-000001» была успешно изменена»;
    - lists that answer hand-made query strings with a page and a message, never a 500;
    - users offered by their names, not their logins.
    """

    def get_changelist(self, request: HttpRequest, **kwargs):
        return SafeChangeList

    def get_changelist_instance(self, request: HttpRequest):
        try:
            return super().get_changelist_instance(request)
        except IncorrectLookupParameters:
            messages.warning(
                request,
                gettext(
                    "Условие отбора в адресе страницы не подходит к списку: показан весь список."
                ),
            )
            raise

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        return super().get_search_results(request, queryset, clean_search_term(search_term))

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if db_field.related_model is User:
            kwargs.setdefault("form_class", EmployeeChoiceField)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_list_filter(self, request: HttpRequest):
        """Filters by a branch, department, workshop or person offer the viewer's own, people
        by name."""
        filters = []
        for item in super().get_list_filter(request):
            if isinstance(item, str):
                try:
                    related = get_fields_from_path(self.model, item)[-1].related_model
                except (FieldDoesNotExist, NotRelationField):
                    related = None
                if related is User:
                    item = (item, EmployeeListFilter)
                elif related in (Branch, Department, Workshop):
                    item = (item, ScopedRelatedListFilter)
            filters.append(item)
        return filters

    # Declined titles and messages.

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["title"] = grammar.change_form_title(
            grammar.noun_for(self.opts),
            add=add,
            can_change=self.has_change_permission(request, obj),
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def message_user(self, request: HttpRequest, message, *args, **kwargs) -> None:
        instead = request.__dict__.pop(_MESSAGE_INSTEAD, None)
        if instead is not None:
            message = instead() if callable(instead) else instead
        super().message_user(request, message, *args, **kwargs)

    def response_add(self, request: HttpRequest, obj, post_url_continue=None):
        noun = grammar.noun_for(self.opts)
        can_change = self.has_change_permission(request, obj)
        obj_repr = str(obj)
        if can_change:
            url = reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
                args=(quote(obj.pk),),
                current_app=self.admin_site.name,
            )
            obj_repr = format_html('<a href="{}">{}</a>', url, obj)
        if "_continue" in request.POST or (
            "_saveasnew" in request.POST and self.save_as_continue and can_change
        ):
            then = "edit" if can_change else None
        elif "_addanother" in request.POST:
            then = "add"
        else:
            then = None
        _say_instead(request, grammar.saved_message(noun, obj_repr, added=True, then=then))
        try:
            return super().response_add(request, obj, post_url_continue)
        finally:
            request.__dict__.pop(_MESSAGE_INSTEAD, None)

    def response_change(self, request: HttpRequest, obj):
        obj_repr = format_html('<a href="{}">{}</a>', request.path, obj)
        then = {"_continue": "edit", "_addanother": "add"}
        then = next((then[key] for key in then if key in request.POST), None)
        _say_instead(
            request,
            grammar.saved_message(grammar.noun_for(self.opts), obj_repr, added=False, then=then),
        )
        try:
            return super().response_change(request, obj)
        finally:
            request.__dict__.pop(_MESSAGE_INSTEAD, None)

    def response_delete(self, request: HttpRequest, obj_display: str, obj_id):
        _say_instead(request, grammar.deleted_message(grammar.noun_for(self.opts), obj_display))
        try:
            return super().response_delete(request, obj_display, obj_id)
        finally:
            request.__dict__.pop(_MESSAGE_INSTEAD, None)

    def _get_obj_does_not_exist_redirect(self, request: HttpRequest, opts, object_id: str):
        _say_instead(request, grammar.not_found_message(grammar.noun_for(opts), unquote(object_id)))
        try:
            return super()._get_obj_does_not_exist_redirect(request, opts, object_id)
        finally:
            request.__dict__.pop(_MESSAGE_INSTEAD, None)

    def log_change(self, request: HttpRequest, obj, message):
        # Counted for the message after a save of the changelist's editable columns.
        request._crm_changed = getattr(request, "_crm_changed", 0) + 1
        return super().log_change(request, obj, message)

    def changelist_view(self, request: HttpRequest, extra_context=None):
        if request.method == "POST" and "_save" in request.POST:
            noun = grammar.noun_for(self.opts)
            _say_instead(
                request,
                lambda: grammar.bulk_changed_message(noun, getattr(request, "_crm_changed", 0)),
            )
        try:
            return super().changelist_view(request, extra_context)
        finally:
            request.__dict__.pop(_MESSAGE_INSTEAD, None)

    def get_action_choices(self, request: HttpRequest, default_choices=models.BLANK_CHOICE_DASH):
        noun = grammar.noun_for(self.opts)
        names = {"verbose_name": noun.acc, "verbose_name_plural": noun.acc_plural}
        choices = list(default_choices)
        for _func, name, description in self.get_actions(request).values():
            if name == "delete_selected":
                choices.append((name, grammar.delete_selected_label(noun)))
            else:
                choices.append((name, description % names))
        return choices

    def render_delete_form(self, request: HttpRequest, context):
        context["object_name"] = grammar.noun_for(self.opts).acc
        return super().render_delete_form(request, context)


@admin.action(permissions=["delete"], description=_("Удалить выбранные объекты"))
def delete_selected(modeladmin, request: HttpRequest, queryset: QuerySet):
    """Django's own action, with its confirmation and message declined (`admin_grammar`)."""
    noun = grammar.noun_for(modeladmin.opts)
    if request.POST.get("post"):
        count = queryset.count()
        _say_instead(request, grammar.bulk_deleted_message(noun, count))
    try:
        response = django_delete_selected(modeladmin, request, queryset)
    finally:
        request.__dict__.pop(_MESSAGE_INSTEAD, None)
    if isinstance(response, TemplateResponse):
        response.context_data["objects_name"] = grammar.selected_objects(noun, queryset.count())
    return response


admin.site.add_action(delete_selected, "delete_selected")
# The list of every model beside every page takes a fifth of a 1440 px screen, and the tasks and
# worksheets lists need it: the home page and the breadcrumbs lead to the other lists.
admin.site.enable_nav_sidebar = False


class BaseAdmin(AdminBaseMixin, admin.ModelAdmin):
    """A plain admin with the project's shared behaviour."""


class ScopedAdminMixin(AdminBaseMixin):
    """Keeps a non-superuser's changelist, object pages and autocompletes inside their scope
    (SPEC §10), and limits the branch, department and user choices of its forms the same way.

    Set `scope_department_field` (a Department FK path) or `scope_branch_field` (a Branch one).
    """

    scope_department_field: str | None = None
    scope_branch_field: str | None = None

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        if self.scope_department_field:
            return filter_by_department(queryset, request.user, self.scope_department_field)
        if self.scope_branch_field:
            return filter_by_branch(queryset, request.user, self.scope_branch_field)
        return queryset

    def _object_in_scope_or_404(self, request: HttpRequest, object_id: str) -> None:
        """django-simple-history's history pages look the object up without `get_queryset`
        (and show the last historical version of an id they cannot find): check the scope
        first. A superuser still sees the history of a deleted object."""
        object_id = unquote(object_id)
        if self.get_object(request, object_id) is not None:
            return
        if not request.user.is_superuser:
            raise Http404
        try:
            self.model._meta.pk.to_python(object_id)
        except ValidationError:
            raise Http404 from None

    def history_view(self, request: HttpRequest, object_id: str, extra_context=None):
        self._object_in_scope_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context=None
    ):
        self._object_in_scope_or_404(request, object_id)
        if not version_id.isdecimal():  # the history id is an integer
            raise Http404
        return super().history_form_view(request, object_id, version_id, extra_context)

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        related = db_field.related_model
        choices = organisation_choices(related, request.user)
        if choices is not None:
            kwargs.setdefault("queryset", choices)
        elif isinstance(self.admin_site._registry.get(related), ScopedAdminMixin):
            # Clients, vehicles, worksheets, tasks…: an id posted by hand must be one the
            # user could have picked in the autocomplete, so the choices follow that admin.
            related_admin = self.admin_site._registry[related]
            kwargs.setdefault("queryset", related_admin.get_queryset(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class DepartmentInline(admin.TabularInline):
    model = Department
    extra = 0
    can_delete = False
    fields = ("name", "kind")


class WorkshopInline(admin.TabularInline):
    model = Workshop
    extra = 0
    can_delete = False
    fields = ("name",)


@admin.register(Branch)
class BranchAdmin(BaseAdmin):
    list_display = ("name", "code", "address", "is_multiservice")
    list_filter = ("is_multiservice",)
    search_fields = ("name", "code", "address")
    ordering = ("name",)
    inlines = (DepartmentInline, WorkshopInline)


@admin.register(Department)
class DepartmentAdmin(BaseAdmin):
    list_display = ("name", "branch", "kind")
    list_filter = ("branch", "kind")
    search_fields = ("name", "branch__name")
    list_select_related = ("branch",)
    ordering = ("branch__name", "name")


@admin.register(Workshop)
class WorkshopAdmin(BaseAdmin):
    list_display = ("name", "branch")
    list_filter = ("branch",)
    search_fields = ("name", "branch__name")
    list_select_related = ("branch",)
    ordering = ("branch__name", "name")


class EmployeeProfileInline(admin.StackedInline):
    model = EmployeeProfile
    can_delete = False
    fields = ("branches", "departments", "phone_extension")
    filter_horizontal = ("branches", "departments")

    def formfield_for_manytomany(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "departments":
            # A department's label names its branch: "Сервис (Автоцентр Север)".
            kwargs["queryset"] = Department.objects.select_related("branch").order_by(
                "branch__name", "name"
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


admin.site.unregister(User)


@admin.register(User)
class EmployeeAdmin(AdminBaseMixin, UserAdmin):
    """Users with their branches and departments.

    Only a superuser grants superuser status or single permissions, or edits a superuser:
    an IT user manages accounts through the role groups and cannot raise their own rights.
    """

    inlines = (EmployeeProfileInline,)
    list_display = ("full_name", "username", "roles", "is_staff", "is_active")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups", "profile__branches")
    search_fields = ("username", "first_name", "last_name", "email")
    ordering = ("last_name", "first_name", "username")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        """IT sees the people of its branches, and those not placed in any branch yet."""
        users = super().get_queryset(request).prefetch_related("groups")
        scope = user_scope(request.user)
        if scope.all_access:
            return users
        placed_here = User.objects.filter(profile__branches__in=scope.branch_ids)
        return users.filter(
            Q(pk__in=placed_here.values("pk")) | Q(profile__isnull=True) | Q(profile__branches=None)
        ).distinct()

    @admin.display(description=_("ФИО"), ordering="last_name")
    def full_name(self, obj) -> str:
        return person_name(obj)

    @admin.display(description=_("роли"))
    def roles(self, obj) -> str:
        return ", ".join(group.name for group in obj.groups.all())

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += ["is_superuser", "user_permissions", "last_login", "date_joined"]
        return readonly

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)


admin.site.unregister(Group)


@admin.register(Group)
class RoleGroupAdmin(AdminBaseMixin, GroupAdmin):
    """The role groups (Менеджер, Руководитель подразделения…) with the shared behaviour."""


admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class BackgroundTaskResultAdmin(AdminBaseMixin, DBTaskResultAdmin):
    """django-tasks-db's results of background jobs, with the shared behaviour."""
