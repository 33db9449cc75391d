"""Selection-kind rules validate their parameters: defaults filled, every mistake named in Russian."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from client_history.models import RepairOrder
from selections.forms import SelectionKindForm, parameter_field_name
from selections.models import SelectionKind
from selections.rules import RULES, validate_parameters
from tasks.models import TaskType
from worksheets.models import Purpose

Rule = SelectionKind.Rule
ALL_KINDS = list(RepairOrder.Kind.values)


def messages(error: ValidationError) -> str:
    return " ".join(error.messages)


def codes(error: ValidationError) -> set[str]:
    return {e.code for e in error.error_list}


def test_every_rule_has_a_spec():
    assert set(RULES) == set(Rule.values)


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (
            Rule.MAINTENANCE_DUE,
            {
                "interval_months": 12,
                "interval_km": 15000,
                "default_km_per_day": 45,
                "order_kinds": ["maintenance"],
            },
        ),
        (Rule.LOST_CLIENTS, {"order_kinds": ALL_KINDS, "min_visits": 1}),
        (Rule.LOST_CLIENTS_BY_WORKSHOP, {"order_kinds": ALL_KINDS, "min_visits": 1}),
        (Rule.OPEN_RECOMMENDATIONS, {}),
        (Rule.POST_VISIT, {"order_kinds": ALL_KINDS}),
        (Rule.WARRANTY_END, {"warranty_years": 3}),
    ],
)
def test_empty_parameters_get_the_defaults(rule, expected):
    assert validate_parameters(rule, {}) == expected
    assert validate_parameters(rule, None) == expected


def test_given_values_are_kept_and_missing_ones_filled():
    cleaned = validate_parameters(
        Rule.MAINTENANCE_DUE, {"interval_km": 10000, "order_kinds": ["maintenance", "warranty"]}
    )

    assert cleaned == {
        "interval_months": 12,
        "interval_km": 10000,
        "default_km_per_day": 45,
        "order_kinds": ["maintenance", "warranty"],
    }


def test_defaults_are_not_shared_between_calls():
    first = validate_parameters(Rule.POST_VISIT, {})
    first["order_kinds"].append("oops")

    assert validate_parameters(Rule.POST_VISIT, {})["order_kinds"] == ALL_KINDS


def test_repeated_order_kinds_are_collapsed():
    cleaned = validate_parameters(Rule.POST_VISIT, {"order_kinds": ["repair", "repair", "body"]})

    assert cleaned["order_kinds"] == ["repair", "body"]


def test_unknown_key_is_rejected_and_named():
    with pytest.raises(ValidationError) as info:
        validate_parameters(Rule.WARRANTY_END, {"warranty_years": 2, "interval_km": 1000})

    assert codes(info.value) == {"unknown_parameter"}
    assert "Неизвестный параметр «interval_km»" in messages(info.value)
    assert "«warranty_years»" in messages(info.value)


def test_a_rule_without_parameters_rejects_any():
    with pytest.raises(ValidationError) as info:
        validate_parameters(Rule.OPEN_RECOMMENDATIONS, {"min_visits": 2})

    assert "Неизвестный параметр «min_visits»" in messages(info.value)


@pytest.mark.parametrize("value", ["12", 12.5, True, None, [12], {"months": 12}])
def test_wrong_type_is_rejected_and_named(value):
    with pytest.raises(ValidationError) as info:
        validate_parameters(Rule.MAINTENANCE_DUE, {"interval_months": value})

    assert codes(info.value) == {"invalid_type"}
    text = messages(info.value)
    assert "Параметр «interval_months» (интервал ТО, месяцев)" in text
    assert "целым числом" in text


@pytest.mark.parametrize(
    ("rule", "key", "value", "bounds"),
    [
        (Rule.MAINTENANCE_DUE, "interval_months", 0, "от 1 до 60"),
        (Rule.MAINTENANCE_DUE, "interval_months", 61, "от 1 до 60"),
        (Rule.MAINTENANCE_DUE, "interval_km", 999, "от 1000 до 100000"),
        (Rule.MAINTENANCE_DUE, "default_km_per_day", 501, "от 1 до 500"),
        (Rule.LOST_CLIENTS, "min_visits", 0, "от 1 до 100"),
        (Rule.LOST_CLIENTS_BY_WORKSHOP, "min_visits", 101, "от 1 до 100"),
        (Rule.WARRANTY_END, "warranty_years", 11, "от 1 до 10"),
    ],
)
def test_out_of_range_is_rejected_and_named(rule, key, value, bounds):
    with pytest.raises(ValidationError) as info:
        validate_parameters(rule, {key: value})

    assert codes(info.value) == {"out_of_range"}
    text = messages(info.value)
    assert f"Параметр «{key}»" in text
    assert bounds in text


def test_bounds_themselves_are_accepted():
    assert (
        validate_parameters(Rule.MAINTENANCE_DUE, {"interval_months": 60})["interval_months"] == 60
    )
    assert validate_parameters(Rule.WARRANTY_END, {"warranty_years": 1})["warranty_years"] == 1


def test_unknown_order_kind_is_rejected_and_named():
    with pytest.raises(ValidationError) as info:
        validate_parameters(Rule.LOST_CLIENTS, {"order_kinds": ["maintenance", "oil_change"]})

    assert codes(info.value) == {"unknown_order_kind"}
    text = messages(info.value)
    assert "Параметр «order_kinds»" in text
    assert "«oil_change»" in text
    assert "maintenance (ТО)" in text  # the allowed kinds are listed


@pytest.mark.parametrize("value", ["maintenance", [1, 2], {"maintenance": True}])
def test_order_kinds_must_be_a_list_of_strings(value):
    with pytest.raises(ValidationError) as info:
        validate_parameters(Rule.POST_VISIT, {"order_kinds": value})

    assert codes(info.value) == {"invalid_type"}
    assert "Параметр «order_kinds»" in messages(info.value)


def test_empty_order_kinds_are_rejected():
    with pytest.raises(ValidationError) as info:
        validate_parameters(Rule.POST_VISIT, {"order_kinds": []})

    assert "хотя бы один" in messages(info.value)


def test_all_problems_are_reported_at_once():
    with pytest.raises(ValidationError) as info:
        validate_parameters(
            Rule.MAINTENANCE_DUE,
            {"interval_months": 0, "interval_km": "много", "colour": "red"},
        )

    assert codes(info.value) == {"out_of_range", "invalid_type", "unknown_parameter"}
    assert len(info.value.messages) == 3


@pytest.mark.parametrize("data", [[], "interval_months=12", 12])
def test_parameters_must_be_an_object(data):
    with pytest.raises(ValidationError) as info:
        validate_parameters(Rule.MAINTENANCE_DUE, data)

    assert codes(info.value) == {"not_an_object"}


def test_unknown_rule_is_rejected():
    with pytest.raises(ValidationError) as info:
        validate_parameters("horoscope", {})

    assert codes(info.value) == {"unknown_rule"}
    assert "Неизвестное правило" in messages(info.value)


# The admin form: each rule's parameters are labelled fields, no JSON.


@pytest.fixture
def form_data(service_a):
    return {
        "name": "Потерянные клиенты сервиса",
        "department": service_a.pk,
        "rule": Rule.LOST_CLIENTS,
        "task_type": TaskType.objects.get(code="maintenance_call").pk,
        "purpose": Purpose.objects.order_by("order").first().pk,
        "is_active": "on",
        "makes": "",
        "exclude_do_not_call": "on",
        "exclude_without_valid_phone": "on",
    }


def test_every_parameter_of_every_rule_is_a_labelled_field():
    form = SelectionKindForm()

    for rule, spec in RULES.items():
        for parameter in spec.parameters:
            field = form.fields[parameter_field_name(rule, parameter.name)]
            assert field.label[0].isupper() and field.label.lower() == parameter.label.lower()
            assert str(parameter.help) in str(field.help_text)
    months = form.fields["maintenance_due__interval_months"]
    assert months.label == "Интервал ТО, месяцев"  # the unit is in the label
    assert (months.min_value, months.max_value, months.initial) == (1, 60, 12)
    assert "От 1 до 60; пусто — 12." in str(months.help_text)
    kinds = form.fields["post_visit__order_kinds"]
    assert dict(kinds.choices)["maintenance"] == "ТО"
    assert "parameters" not in form.fields


def test_form_stores_the_chosen_rules_parameters(form_data):
    form_data.update(
        {
            "lost_clients__min_visits": "2",
            "lost_clients__order_kinds": ["repair", "maintenance"],
            # Another rule's fields are ignored, whatever they hold.
            "maintenance_due__interval_months": "много",
            "warranty_end__warranty_years": "99",
        }
    )
    form = SelectionKindForm(data=form_data)

    assert form.is_valid(), form.errors
    kind = form.save()
    assert kind.parameters == {"order_kinds": ["maintenance", "repair"], "min_visits": 2}


def test_empty_fields_take_the_defaults(form_data):
    form = SelectionKindForm(data=form_data)

    assert form.is_valid(), form.errors
    assert form.save().parameters == {"order_kinds": ALL_KINDS, "min_visits": 1}


def test_rule_without_parameters_saves_none(form_data):
    form_data["rule"] = Rule.OPEN_RECOMMENDATIONS
    form = SelectionKindForm(data=form_data)

    assert form.is_valid(), form.errors
    assert form.save().parameters == {}


@pytest.mark.parametrize(
    ("rule", "field", "value", "message"),
    [
        (Rule.LOST_CLIENTS, "min_visits", "0", "больше либо равно 1"),
        (Rule.LOST_CLIENTS, "min_visits", "два", "Введите целое число"),
        (Rule.MAINTENANCE_DUE, "interval_km", "999", "больше либо равно 1000"),
        (Rule.MAINTENANCE_DUE, "default_km_per_day", "501", "меньше либо равно 500"),
        (Rule.WARRANTY_END, "warranty_years", "11", "меньше либо равно 10"),
        (Rule.POST_VISIT, "order_kinds", ["oil_change"], "Выберите корректный вариант"),
    ],
)
def test_bad_values_are_named_next_to_their_field(form_data, rule, field, value, message):
    form_data.update({"rule": rule, parameter_field_name(rule, field): value})
    form = SelectionKindForm(data=form_data)

    assert not form.is_valid()
    assert message in " ".join(form.errors[parameter_field_name(rule, field)])


def test_an_existing_kind_shows_its_own_values(service_a, form_data):
    form_data.update({"rule": Rule.WARRANTY_END, "warranty_years": 5})
    kind = SelectionKind.objects.create(
        name="Гарантия 5 лет",
        department=service_a,
        rule=Rule.WARRANTY_END,
        parameters={"warranty_years": 5},
        task_type=TaskType.objects.get(code="maintenance_call"),
        purpose=Purpose.objects.order_by("order").first(),
    )

    form = SelectionKindForm(instance=kind)

    assert form["warranty_end__warranty_years"].value() == 5
    assert form["maintenance_due__interval_km"].value() == 15000


def test_kind_names_are_unique_per_department_not_globally(form_data, sales_a):
    assert SelectionKindForm(data=form_data).save()
    again = SelectionKindForm(data=form_data)
    assert not again.is_valid()
    assert "уже есть" in " ".join(again.non_field_errors())
    form_data["department"] = sales_a.pk
    assert SelectionKindForm(data=form_data).is_valid()


@pytest.mark.parametrize(
    ("makes", "cleaned"),
    [("Haval", "Haval"), (" haval , Chery,Lada ", "haval, Chery, Lada"), ("Kia, kia", "Kia")],
)
def test_form_normalises_the_makes(form_data, makes, cleaned):
    form_data["makes"] = makes
    form = SelectionKindForm(data=form_data)

    assert form.is_valid(), form.errors
    assert form.cleaned_data["makes"] == cleaned


@pytest.mark.parametrize("makes", ["Haval,,Kia", "Haval; Kia", "Kia,"])
def test_form_rejects_makes_not_separated_by_commas(form_data, makes):
    form_data["makes"] = makes
    form = SelectionKindForm(data=form_data)

    assert not form.is_valid()
    assert "через запятую" in " ".join(form.errors["makes"])


def test_form_rejects_an_inverted_vehicle_age_range(form_data):
    form_data.update(vehicle_age_min="8", vehicle_age_max="3")
    form = SelectionKindForm(data=form_data)

    assert not form.is_valid()
    assert form.errors["vehicle_age_max"] == [
        "Возраст «до» (3) не может быть меньше возраста «от» (8)."
    ]


def test_admin_page_has_a_fieldset_per_rule(client_head_a):
    html = client_head_a.get(reverse("admin:selections_selectionkind_add")).content.decode()

    for rule, spec in RULES.items():
        assert f"rule-{rule}" in html
        assert f"Параметры правила «{spec.label}»" in html
    assert "selection_kind_admin.js" in html
    assert 'name="maintenance_due__interval_km"' in html


def test_admin_shows_the_error_next_to_the_field_and_saves_nothing(client_head_a, form_data):
    form_data["lost_clients__min_visits"] = "0"

    response = client_head_a.post(reverse("admin:selections_selectionkind_add"), form_data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"lost_clients__min_visits"}
    assert "больше либо равно 1" in response.content.decode()
    assert not SelectionKind.objects.exists()


def test_admin_saves_a_valid_selection_kind_with_defaults(client_head_a, form_data):
    response = client_head_a.post(reverse("admin:selections_selectionkind_add"), form_data)

    assert response.status_code == 302
    kind = SelectionKind.objects.get()
    assert kind.parameters == {"order_kinds": ALL_KINDS, "min_visits": 1}
