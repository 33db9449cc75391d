"""Cell values of the DMS files: the shared cell layer (`crm_workstation.cells`) and the
spellings the DMS export uses for this app's choices."""

from client_history.models import Client, RepairOrder, RepairOrderLine
from crm_workstation.cells import (
    BadRow,
    Cells,
    blank,
    cell_text,
    choices_mapping,
    decimal_field_of,
    max_length_of,
)
from crm_workstation.models import Department

__all__ = [
    "CLIENT_KINDS",
    "DEPARTMENT_KINDS",
    "LINE_KINDS",
    "ORDER_KINDS",
    "BadRow",
    "Cells",
    "blank",
    "cell_text",
    "decimal_field_of",
    "max_length_of",
]

CLIENT_KINDS = choices_mapping(
    Client.Kind,
    {
        "физ": Client.Kind.PERSON,
        "физлицо": Client.Kind.PERSON,
        "фл": Client.Kind.PERSON,
        "юр": Client.Kind.COMPANY,
        "юрлицо": Client.Kind.COMPANY,
        "юл": Client.Kind.COMPANY,
        "организация": Client.Kind.COMPANY,
    },
)
DEPARTMENT_KINDS = choices_mapping(Department.Kind)
ORDER_KINDS = choices_mapping(
    RepairOrder.Kind,
    {
        "техобслуживание": RepairOrder.Kind.MAINTENANCE,
        "техническое обслуживание": RepairOrder.Kind.MAINTENANCE,
        "гарантийный ремонт": RepairOrder.Kind.WARRANTY,
        "кузовной ремонт": RepairOrder.Kind.BODY,
    },
)
LINE_KINDS = choices_mapping(
    RepairOrderLine.Kind,
    {
        "работы": RepairOrderLine.Kind.WORK,
        "запчасти": RepairOrderLine.Kind.PART,
        "материал": RepairOrderLine.Kind.PART,
        "материалы": RepairOrderLine.Kind.PART,
    },
)
