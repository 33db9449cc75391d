"""Reads of the Selections tab: the kinds and workshops a user may run, batches and their leads.

Every read of batches goes through `LeadBatch.objects.visible_to(user)` (the user's departments).
"""

from django.db.models import Count, QuerySet

from crm_workstation.models import Branch, Department, Workshop
from crm_workstation.scoping import user_scope
from selections.models import Lead, LeadBatch, SelectionKind
from selections.services import CreationSummary


def branches_of(user) -> QuerySet[Branch]:
    """The structural units the user works in: their departments' branches."""
    scope = user_scope(user)
    branches = Branch.objects.order_by("name")
    if scope.all_access:
        return branches
    return branches.filter(departments__in=scope.department_ids).distinct()


def departments_of(user, *, branch: Branch | None) -> QuerySet[Department]:
    scope = user_scope(user)
    departments = Department.objects.select_related("branch").order_by("name")
    if branch is not None:
        departments = departments.filter(branch=branch)
    if scope.all_access:
        return departments
    return departments.filter(pk__in=scope.department_ids)


def upload_departments_of(user) -> QuerySet[Department]:
    """Departments an importer file can be loaded for: the user's own, and for whoever keeps the
    importer formats (IT) every department of their branches — IT loads the files, the
    departments' managers work them."""
    departments = departments_of(user, branch=None)
    if user_scope(user).all_access or not user.has_perm("selections.add_importervariant"):
        return departments
    return (
        Department.objects.select_related("branch")
        .filter(branch__in=user_scope(user).branch_ids)
        .order_by("name")
    )


def kinds_of(user, *, department: Department | None) -> QuerySet[SelectionKind]:
    """Active selection kinds of the department, if it is one of the user's."""
    if department is None:
        return SelectionKind.objects.none()
    scope = user_scope(user)
    if not scope.all_access and department.pk not in scope.department_ids:
        return SelectionKind.objects.none()
    return SelectionKind.objects.filter(department=department, is_active=True).order_by("name")


def workshops_of(*, department: Department | None) -> QuerySet[Workshop]:
    if department is None:
        return Workshop.objects.none()
    return Workshop.objects.filter(branch_id=department.branch_id).order_by("name")


def batches_visible_to(user, *, branch: Branch | None = None) -> QuerySet[LeadBatch]:
    batches = LeadBatch.objects.visible_to(user)
    if branch is not None:
        batches = batches.filter(branch=branch)
    return batches.select_related(
        "department", "selection_kind", "importer_variant", "workshop", "created_by"
    ).order_by("-created_at", "-id")


def batch_leads(*, batch: LeadBatch, show: str = "") -> QuerySet[Lead]:
    """The batch's leads in the order they were found; `show` narrows to the selected, the
    waiting, or the rows with problems. The leads alone: `lead_rows` joins what the rows
    show to a page of them, cut first (joined before the page was cut, all the batch's leads
    were joined and sorted whenever the batch's statistics were not yet gathered — a new
    batch: 2,700 leads, 34 ms at seed L)."""
    leads = batch.leads.order_by("row_number", "id")
    if show == "selected":
        leads = leads.filter(selected=True)
    elif show == "pending":
        leads = leads.filter(result=Lead.Result.PENDING)
    elif show == "problems":
        leads = leads.filter(is_usable=False)
    elif show == "done":
        leads = leads.exclude(result=Lead.Result.PENDING)
    return leads


def lead_rows(page: QuerySet[Lead]) -> QuerySet[Lead]:
    """A page of `batch_leads` (a slice), in its order, with the client, car, repair order,
    worksheet and task each row shows: one query, the page's ids cut first inside it."""
    return (
        Lead.objects.filter(pk__in=page.values("pk"))
        .select_related("client", "vehicle", "repair_order", "worksheet", "task")
        .order_by("row_number", "id")
    )


def batch_counts(*, batch: LeadBatch) -> dict[str, int]:
    """Leads in the batch: all, selected and waiting, usable and waiting (one query)."""
    rows = batch.leads.values_list("result", "selected", "is_usable").annotate(n=Count("id"))
    counts = {"total": 0, "selected": 0, "selectable": 0, "problems": 0}
    for result, selected, usable, n in rows.order_by():
        counts["total"] += n
        if not usable:
            counts["problems"] += n
        if result == Lead.Result.PENDING and usable:
            counts["selectable"] += n
            if selected:
                counts["selected"] += n
    return counts


def batch_results(*, batch: LeadBatch) -> CreationSummary:
    """What became of the batch's leads so far, over every creation run (one query)."""
    summary = CreationSummary()
    rows = (
        batch.leads.exclude(result=Lead.Result.PENDING)
        .values_list("result", "skip_reason")
        .annotate(n=Count("id"))
        .order_by()
    )
    for result, reason, count in rows:
        if result == Lead.Result.WORKSHEET_CREATED:
            summary.created += count
        elif result == Lead.Result.TASK_ADDED:
            summary.added += count
        else:
            summary.skipped[reason] += count
    return summary
