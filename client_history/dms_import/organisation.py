"""The organisation files: branches, workshops and departments."""

from typing import Any

from client_history.dms_import.cells import DEPARTMENT_KINDS, BadRow, Cells
from client_history.dms_import.files import Table
from client_history.dms_import.report import FileReport
from client_history.dms_import.upsert import Parsed, Rows, count_outcome, upsert
from crm_workstation.models import Branch, Department, Workshop


class Organisation:
    """Branches, workshops and departments: small tables, held in memory during the import."""

    def __init__(self) -> None:
        self.reload()

    def reload(self) -> None:
        self.branches = {b.code.casefold(): b for b in Branch.objects.all()}
        self.workshops = {(w.branch_id, w.name.casefold()): w for w in Workshop.objects.all()}
        self.departments = {(d.branch_id, d.name.casefold()): d for d in Department.objects.all()}

    def branch(self, code: str) -> Branch:
        branch = self.branches.get(code.casefold())
        if branch is None:
            raise BadRow(f"структурная единица с кодом «{code}» не найдена")
        return branch


def load_branches(*, table: Table, report: FileReport, org: Organisation) -> None:
    rows = Rows(report)
    names = Rows(report)
    by_name = {b.name.casefold(): b for b in org.branches.values()}
    parsed = []
    for row, values in table.rows:
        cells = Cells(values)
        try:
            code = cells.field(Branch, "code", required=True)
            data: dict[str, Any] = {
                "code": code,
                "name": cells.field(Branch, "name", required=True),
            }
            if cells.has("is_multiservice"):
                data["is_multiservice"] = cells.flag("is_multiservice")
            if cells.has("address"):
                data["address"] = cells.field(Branch, "address")
            holder = by_name.get(data["name"].casefold())
            if holder is not None and holder.code.casefold() != code.casefold():
                raise BadRow(
                    f"наименование «{data['name']}» уже у структурной единицы «{holder.code}»"
                )
        except BadRow as problem:
            rows.bad(row, str(problem))
            continue
        name = data["name"]
        if rows.first_time(row, code.casefold(), f"код «{code}»") and names.first_time(
            row, name.casefold(), f"наименование «{name}»"
        ):
            parsed.append(Parsed(row, code.casefold(), data))
    count_outcome(report, upsert(model=Branch, parsed=parsed, existing=org.branches))
    org.reload()


def load_branch_items(
    *, table: Table, report: FileReport, org: Organisation, model: type[Workshop | Department]
) -> None:
    """Workshops and departments: keyed by (branch, name)."""
    rows = Rows(report)
    existing = org.workshops if model is Workshop else org.departments
    parsed = []
    for row, values in table.rows:
        cells = Cells(values)
        try:
            branch = org.branch(cells.text("branch_code", required=True))
            name = cells.field(model, "name", required=True)
            data: dict[str, Any] = {"branch_id": branch.pk, "name": name}
            if model is Department and cells.has("kind"):
                data["kind"] = cells.choice(
                    "kind", mapping=DEPARTMENT_KINDS, default=Department.Kind.SERVICE
                )
        except BadRow as problem:
            rows.bad(row, str(problem))
            continue
        key = (branch.pk, name.casefold())
        if rows.first_time(row, key, f"«{name}» в «{branch.code}»"):
            parsed.append(Parsed(row, key, data))
    count_outcome(report, upsert(model=model, parsed=parsed, existing=existing))
    org.reload()
