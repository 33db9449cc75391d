"""A phone keeps what the source said (`raw`); `number` is +7XXXXXXXXXX only when valid.

Existing rows are re-validated with `phonenumbers.is_valid_number` (until now a merely
*possible* number, or the text itself when it could not be normalised, was stored in
`number`): `raw` takes the stored text, and a number that is not valid is emptied and the
phone marked invalid. The rows are read in chunks and only the few that change are written,
in batches.
"""

import django.db.models.functions.text
import django.db.models.lookups
import phonenumbers
from django.db import migrations, models
from django.db.models import F
from django.db.models.functions import Substr

CHUNK = 2000


def _digits_removed(expression):
    for digit in "0123456789":
        expression = django.db.models.functions.text.Replace(
            expression, models.Value(digit), models.Value("")
        )
    return expression


def _valid_e164(text: str) -> str | None:
    try:
        number = phonenumbers.parse(text, "RU")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 7 or not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def revalidate_phones(apps, schema_editor):
    ClientPhone = apps.get_model("client_history", "ClientPhone")
    db = schema_editor.connection.alias
    phones = ClientPhone.objects.using(db)

    invalid: list[int] = []
    fixed: dict[int, str] = {}
    taken: set[tuple[int, str]] = set()
    rows = phones.filter(raw="").order_by("pk").values_list("pk", "client_id", "number")
    for pk, client_id, number in rows.iterator(chunk_size=CHUNK):
        e164 = _valid_e164(number) if number else None
        if e164 == number:
            continue
        if (
            e164
            and (client_id, e164) not in taken
            and not phones.filter(client_id=client_id, number=e164).exists()
        ):
            taken.add((client_id, e164))
            fixed[pk] = e164
            continue
        # Not a valid number, or the number of another phone of the same client.
        invalid.append(pk)

    # Each row is written once (on PostgreSQL a second write of a row in this transaction
    # would leave foreign-key checks pending, and the constraints below could not be added).
    # In an UPDATE, `raw = number` reads the number as it was before the statement.
    for start in range(0, len(invalid), CHUNK):
        phones.filter(pk__in=invalid[start : start + CHUNK]).update(
            raw=F("number"), number="", is_invalid=True
        )
    if fixed:
        stored = dict(phones.filter(pk__in=list(fixed)).values_list("pk", "number"))
        objs = [ClientPhone(pk=pk, number=e164, raw=stored[pk]) for pk, e164 in fixed.items()]
        phones.bulk_update(objs, ["number", "raw"], batch_size=CHUNK)
    phones.filter(raw="").update(raw=F("number"))
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def restore_numbers(apps, schema_editor):
    """Backwards: a phone without a number gets the source's text back in `number`."""
    ClientPhone = apps.get_model("client_history", "ClientPhone")
    ClientPhone.objects.using(schema_editor.connection.alias).filter(number="").update(
        number=Substr("raw", 1, 16)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("client_history", "0004_repair_order_number_trigram"),
    ]

    operations = [
        migrations.AddField(
            model_name="clientphone",
            name="raw",
            field=models.CharField(
                blank=True, max_length=100, verbose_name="как указано в источнике"
            ),
        ),
        migrations.RemoveConstraint(
            model_name="clientphone",
            name="clientphone_unique_number",
        ),
        migrations.AlterField(
            model_name="clientphone",
            name="number",
            field=models.CharField(
                blank=True,
                db_index=True,
                help_text="+7XXXXXXXXXX; пусто, если в источнике не действительный номер",
                max_length=16,
                verbose_name="номер",
            ),
        ),
        migrations.RunPython(revalidate_phones, restore_numbers),
        migrations.AddConstraint(
            model_name="clientphone",
            constraint=models.UniqueConstraint(
                condition=models.Q(("number", ""), _negated=True),
                fields=("client", "number"),
                name="clientphone_unique_number",
            ),
        ),
        migrations.AddConstraint(
            model_name="clientphone",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("number", ""),
                    models.Q(
                        ("number__startswith", "+7"),
                        django.db.models.lookups.Exact(
                            django.db.models.functions.text.Length("number"), 12
                        ),
                        django.db.models.lookups.Exact(
                            _digits_removed(models.F("number")), models.Value("+")
                        ),
                    ),
                    _connector="OR",
                ),
                name="clientphone_number_e164",
            ),
        ),
        migrations.AddConstraint(
            model_name="clientphone",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("number", ""), _negated=True),
                    ("is_invalid", True),
                    _connector="OR",
                ),
                name="clientphone_unnormalised_is_invalid",
            ),
        ),
        migrations.AddConstraint(
            model_name="clientphone",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("number", ""), _negated=True),
                    models.Q(("raw", ""), _negated=True),
                    _connector="OR",
                ),
                name="clientphone_number_or_raw",
            ),
        ),
    ]
