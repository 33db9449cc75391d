"""The three roles, as Django groups with their permissions. Never created by hand."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

REFERENCE = [
    "tasks.tasktype",
    "worksheets.purpose",
    "tasks.interviewresult",
    "tasks.purchaseoption",
    "tasks.followupdelay",
    "tasks.callscript",
]
DMS = [
    "client_history.client",
    "client_history.clientphone",
    "client_history.vehicle",
    "client_history.repairorder",
    "client_history.repairorderline",
    "client_history.recommendation",
]
ORGANISATION = [
    "crm_workstation.branch",
    "crm_workstation.department",
    "crm_workstation.workshop",
    "crm_workstation.employeeprofile",
]


def perms(models, actions):
    return [f"{m.split('.')[0]}.{a}_{m.split('.')[1]}" for m in models for a in actions]


MANAGER = [
    *perms(DMS, ["view"]),
    *perms(REFERENCE, ["view"]),
    "client_history.change_client",
    "client_history.change_clientphone",
    *perms(["worksheets.worksheet", "tasks.task"], ["view", "add", "change"]),
    "tasks.view_servicerequest",
    "tasks.add_servicerequest",
    "tasks.change_servicerequest",
    "selections.view_leadbatch",
    "selections.add_leadbatch",
    "selections.view_lead",
    "selections.change_lead",
    "selections.run_selection",
    "selections.view_selectionkind",
]
HEAD = [
    *MANAGER,
    "tasks.reassign_task",
    *perms(REFERENCE, ["add", "change"]),
    *perms(["selections.selectionkind"], ["add", "change", "delete"]),
    "selections.upload_importer_file",
    "selections.view_importervariant",
    "selections.view_importercolumnalias",
]
IT = [
    *perms(DMS, ["view"]),
    *perms(REFERENCE, ["view", "add", "change"]),
    *perms(ORGANISATION, ["view", "add", "change"]),
    *perms(["auth.user"], ["view", "add", "change"]),
    "auth.view_group",
    *perms(["selections.importervariant", "selections.importercolumnalias"], ["view", "add", "change", "delete"]),
    "selections.view_selectionkind",
    "selections.view_leadbatch",
    "selections.add_leadbatch",
    "selections.view_lead",
    "selections.upload_importer_file",
]
ROLES = {
    "Менеджер": MANAGER,
    "Руководитель подразделения": HEAD,
    "ИТ / администратор": IT,
}


def forwards(apps, schema_editor):
    # Permissions are normally created after migrate; this migration needs them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codes in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = []
        for code in dict.fromkeys(codes):
            app_label, codename = code.split(".")
            wanted.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        group.permissions.set(wanted)


class Migration(migrations.Migration):
    dependencies = [
        ("selections", "0003_importer_variants"),
        ("worksheets", "0002_purposes"),
        ("tasks", "0005_follow_up_and_script_defaults"),
        ("client_history", "0001_initial"),
        ("crm_workstation", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
