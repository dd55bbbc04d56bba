"""Tests for service.forms: form-js definitions and validation of submitted task data."""

from __future__ import annotations

import json
from typing import Any

import pytest
from marshmallow import Schema

from service.forms import (
    FormDefinitionError,
    form_keys,
    form_schema,
    load_form,
    validate_submission,
)

REQUIRED = ["This field is required."]
MOBILE = r"^1[3-9]\d{9}$"


def make_form(*components: dict, form_id: str = "test") -> dict:
    """Wrap components in a schemaVersion 19 form."""
    return {
        "type": "default",
        "id": form_id,
        "schemaVersion": 19,
        "exporter": {"name": "Camunda Modeler", "version": "5.20.0"},
        "components": list(components),
    }


def text(key: str, **validate: Any) -> dict:
    """A textfield with the given validate settings."""
    return {"type": "textfield", "id": f"Field_{key}", "key": key, "validate": validate}


def number(key: str, **props: Any) -> dict:
    """A number field; `validate` settings go in props['validate']."""
    return {"type": "number", "id": f"Number_{key}", "key": key, **props}


def check(form: dict, data: Any) -> dict:
    """Validate and return only the errors."""
    return validate_submission(form, data)[1]


COMPLAINT = make_form(
    {"type": "text", "id": "Text_title", "text": "# 投诉登记"},
    {
        "type": "textfield",
        "id": "Field_name",
        "key": "residentName",
        "label": "住户姓名",
        "validate": {"required": True, "maxLength": 50},
    },
    {
        "type": "textfield",
        "id": "Field_phone",
        "key": "phone",
        "label": "联系电话",
        "validate": {"required": True, "pattern": MOBILE},
    },
    {
        "type": "textfield",
        "id": "Field_unit",
        "key": "unit",
        "label": "房号（楼栋-单元-房间）",
        "validate": {"required": True},
    },
    {
        "type": "select",
        "id": "Field_channel",
        "key": "channel",
        "label": "来源渠道",
        "validate": {"required": True},
        "values": [
            {"label": "来电", "value": "phone"},
            {"label": "来访", "value": "visit"},
            {"label": "网络", "value": "online"},
            {"label": "书面", "value": "letter"},
        ],
    },
    {
        "type": "select",
        "id": "Field_category",
        "key": "category",
        "label": "投诉类别",
        "validate": {"required": True},
        "values": [
            {"label": "噪音", "value": "noise"},
            {"label": "卫生", "value": "sanitation"},
            {"label": "维修", "value": "repair"},
            {"label": "安全", "value": "security"},
            {"label": "其他", "value": "other"},
        ],
    },
    {
        "type": "textarea",
        "id": "Field_content",
        "key": "content",
        "label": "投诉内容",
        "validate": {"required": True, "maxLength": 2000},
    },
    {
        "type": "filepicker",
        "id": "Field_photos",
        "key": "photos",
        "label": "现场照片",
        "multiple": True,
    },
    {"type": "checkbox", "id": "Field_urgent", "key": "urgent", "label": "紧急"},
    {"type": "separator", "id": "Separator_1"},
    {"type": "button", "id": "Button_submit", "action": "submit", "label": "提交"},
    form_id="complaint",
)

GOOD_COMPLAINT = {
    "residentName": "张三",
    "phone": "13800138000",
    "unit": "3栋-2单元-1201",
    "channel": "phone",
    "category": "noise",
    "content": "楼上每晚十一点后装修，噪音很大。",
    "photos": ["files::a1b2", "files::c3d4"],
    "urgent": True,
}


# --- the realistic complaint form -------------------------------------------


def test_complaint_form_loads_from_file_text() -> None:
    form = load_form(json.dumps(COMPLAINT, ensure_ascii=False), "forms/complaint.form")
    assert form == COMPLAINT
    assert form_keys(form) == [
        "residentName",
        "phone",
        "unit",
        "channel",
        "category",
        "content",
        "photos",
        "urgent",
    ]


def test_complaint_form_accepts_a_good_submission() -> None:
    clean, errors = validate_submission(COMPLAINT, GOOD_COMPLAINT)
    assert errors == {}
    assert clean == GOOD_COMPLAINT


def test_complaint_form_optional_fields_may_be_left_out() -> None:
    data = {k: v for k, v in GOOD_COMPLAINT.items() if k not in ("photos", "urgent")}
    # an unticked checkbox left out counts as false, as form-js itself would submit it
    assert validate_submission(COMPLAINT, data) == ({**data, "urgent": False}, {})


def test_complaint_form_reports_every_bad_field() -> None:
    data = {
        **GOOD_COMPLAINT,
        "residentName": "",
        "phone": "12345",
        "channel": "来电",
        "content": "长" * 2001,
        "urgent": "yes",
    }
    del data["unit"]
    clean, errors = validate_submission(COMPLAINT, data)
    assert clean == {}
    assert errors == {
        "residentName": REQUIRED,
        "phone": [f"Must match the pattern {MOBILE}."],
        "unit": REQUIRED,
        "channel": ['Not a valid choice: "来电".'],
        "content": ["Must be at most 2000 characters."],
        "urgent": ["Not a valid boolean."],
    }


@pytest.mark.parametrize(
    "phone", ["13800138000\n", "1380013800", "138001380001", "12800138000", "１３８００１３８０００"]
)
def test_mobile_pattern_refuses_near_misses(phone: str) -> None:
    assert check(COMPLAINT, {**GOOD_COMPLAINT, "phone": phone}) == {"phone": [f"Must match the pattern {MOBILE}."]}


# --- required ---------------------------------------------------------------


@pytest.mark.parametrize("data", [{}, {"name": ""}, {"name": None}])
def test_required_text_refuses_missing_empty_and_null(data: dict) -> None:
    assert check(make_form(text("name", required=True)), data) == {"name": REQUIRED}


def test_optional_text_accepts_empty_string_and_null() -> None:
    form = make_form(text("name", minLength=3, pattern="^a"))
    assert validate_submission(form, {"name": ""}) == ({"name": ""}, {})
    assert validate_submission(form, {"name": None}) == ({"name": None}, {})


def test_required_checkbox_must_be_checked() -> None:
    form = make_form({"type": "checkbox", "key": "agree", "validate": {"required": True}})
    assert check(form, {"agree": False}) == {"agree": REQUIRED}
    assert check(form, {"agree": True}) == {}


def test_required_checklist_needs_one_item() -> None:
    form = make_form(
        {
            "type": "checklist",
            "key": "tags",
            "validate": {"required": True},
            "values": [{"label": "甲", "value": "a"}],
        }
    )
    assert check(form, {"tags": []}) == {"tags": REQUIRED}
    assert check(form, {"tags": ["a"]}) == {}


# --- strings ----------------------------------------------------------------


def test_pattern_is_unanchored_like_javascript() -> None:
    form = make_form(text("code", pattern=r"\d{3}"))
    assert check(form, {"code": "ab123cd"}) == {}
    assert check(form, {"code": "ab12cd"}) == {"code": [r"Must match the pattern \d{3}."]}


def test_pattern_dollar_means_end_of_input() -> None:
    form = make_form(text("code", pattern=r"^\d+$"))
    assert check(form, {"code": "123"}) == {}
    assert "code" in check(form, {"code": "123\n"})


def test_pattern_dot_and_spaces_follow_javascript() -> None:
    form = make_form(text("a", pattern="^a.b$"), text("b", pattern=r"^x\sy$"))
    assert "a" in check(form, {"a": "a\rb"})
    assert check(form, {"b": "x\u3000y"}) == {}


def test_length_limits_use_trimmed_length() -> None:
    form = make_form(text("name", minLength=2, maxLength=4))
    assert check(form, {"name": "王五"}) == {}
    assert check(form, {"name": " 王 "}) == {"name": ["Must be at least 2 characters."]}
    assert check(form, {"name": "一二三四五"}) == {"name": ["Must be at most 4 characters."]}


def test_text_must_be_a_string() -> None:
    assert check(make_form(text("name")), {"name": 12}) == {"name": ["Not a valid string."]}


def test_email_validation_type() -> None:
    form = make_form(text("mail", validationType="email"))
    assert check(form, {"mail": "wang.wu@example.com.cn"}) == {}
    assert check(form, {"mail": "wang.wu@"}) == {"mail": ["Not a valid email address."]}


def test_phone_validation_type_wants_international_format() -> None:
    form = make_form(text("tel", validationType="phone"))
    assert check(form, {"tel": "+8613800138000"}) == {}
    assert check(form, {"tel": "008613800138000"}) == {}
    assert "tel" in check(form, {"tel": "13800138000"})
    assert "tel" in check(form, {"tel": "+86 138 0013 8000"})


# --- numbers ----------------------------------------------------------------


def test_number_min_and_max() -> None:
    form = make_form(number("area", validate={"min": 10, "max": 300}))
    assert validate_submission(form, {"area": 89.5}) == ({"area": 89.5}, {})
    assert check(form, {"area": 9}) == {"area": ["Must be at least 10."]}
    assert check(form, {"area": 300.01}) == {"area": ["Must be at most 300."]}
    assert check(form, {"area": 0}) == {"area": ["Must be at least 10."]}


@pytest.mark.parametrize("value", [True, False, "abc", "1e5", " 1", [1], {"n": 1}, float("nan")])
def test_number_refuses_bools_and_non_numbers(value: Any) -> None:
    assert check(make_form(number("n")), {"n": value}) == {"n": ["Not a valid number."]}


def test_number_accepts_numeric_strings_as_numbers() -> None:
    form = make_form(number("n"), number("m"))
    assert validate_submission(form, {"n": "42", "m": "-0.5"}) == ({"n": 42, "m": -0.5}, {})


def test_number_serialize_to_string_keeps_a_string() -> None:
    form = make_form(number("n", serializeToString=True, validate={"max": 10}))
    assert validate_submission(form, {"n": "7.25"}) == ({"n": "7.25"}, {})
    assert check(form, {"n": "11"}) == {"n": ["Must be at most 10."]}


def test_number_decimal_digits_and_increment() -> None:
    form = make_form(number("qty", decimalDigits=0), number("price", increment="0.5"))
    assert check(form, {"qty": 3, "price": 2.5}) == {}
    assert check(form, {"qty": 3.5}) == {"qty": ["Must be a whole number."]}
    assert check(form, {"price": 2.2}) == {
        "price": ["Must be a multiple of 0.5; the nearest valid values are 2.0 and 2.5."]
    }


def test_empty_optional_number_loads_as_none() -> None:
    assert validate_submission(make_form(number("n")), {"n": ""}) == ({"n": None}, {})


def test_required_number_accepts_zero() -> None:
    form = make_form(number("n", validate={"required": True}))
    assert check(form, {"n": 0}) == {}
    assert check(form, {"n": None}) == {"n": REQUIRED}


# --- choices, booleans, dates, files, expressions ---------------------------


def test_radio_and_taglist_values() -> None:
    values = [{"label": "是", "value": "yes"}, {"label": "否", "value": "no"}]
    form = make_form(
        {"type": "radio", "key": "ok", "values": values},
        {"type": "taglist", "key": "tags", "values": values},
    )
    assert check(form, {"ok": "yes", "tags": ["yes", "no"]}) == {}
    assert check(form, {"ok": "maybe", "tags": ["yes", "x", 1]}) == {
        "ok": ['Not a valid choice: "maybe".'],
        "tags": ['Not a valid choice: "x", 1.'],
    }
    assert check(form, {"tags": "yes"}) == {"tags": ["Not a valid list."]}


def test_choice_does_not_confuse_true_and_one() -> None:
    form = make_form({"type": "select", "key": "n", "values": [{"label": "一", "value": 1}]})
    assert check(form, {"n": 1}) == {}
    assert check(form, {"n": True}) == {"n": ["Not a valid choice: true."]}


def test_dynamic_options_skip_the_enumeration_check() -> None:
    form = make_form(
        {"type": "select", "key": "staff", "valuesKey": "staffOptions"},
        {"type": "checklist", "key": "areas", "valuesExpression": "=areaOptions"},
    )
    assert check(form, {"staff": "u-17", "areas": ["A区", "B区"]}) == {}


def test_checkbox_must_be_boolean() -> None:
    form = make_form({"type": "checkbox", "key": "urgent"})
    assert check(form, {"urgent": False}) == {}
    assert check(form, {"urgent": 1}) == {"urgent": ["Not a valid boolean."]}


def test_datetime_subtypes() -> None:
    form = make_form(
        {"type": "datetime", "key": "d", "subtype": "date"},
        {"type": "datetime", "key": "t", "subtype": "time"},
        {"type": "datetime", "key": "dt", "subtype": "datetime"},
    )
    good = {"d": "2024-02-29", "t": "09:30+08:00", "dt": "2024-03-01T18:05Z"}
    assert validate_submission(form, good) == (good, {})
    errors = check(form, {"d": "2023-02-29", "t": "25:00", "dt": "2024-03-01"})
    assert errors == {
        "d": ["Not a valid date (expected YYYY-MM-DD)."],
        "t": ["Not a valid time (expected HH:MM, optionally with Z or +HH:MM)."],
        "dt": ["Not a valid date-time (expected YYYY-MM-DDTHH:MM)."],
    }


def test_filepicker_is_permissive_but_typed() -> None:
    form = make_form({"type": "filepicker", "key": "f", "validate": {"required": True}})
    assert check(form, {"f": "files::x"}) == {}
    assert check(form, {"f": [{"name": "a.jpg", "size": 10}, "files::y"]}) == {}
    assert check(form, {"f": []}) == {"f": REQUIRED}
    assert check(form, {"f": 3}) == {"f": ["Not a valid file reference."]}
    assert check(form, {"f": [1]}) == {"f": ["Not a valid file reference."]}


def test_expression_field_accepts_its_computed_value() -> None:
    form = make_form({"type": "expression", "key": "total", "expression": "=a + b"})
    assert validate_submission(form, {"total": {"x": [1]}}) == ({"total": {"x": [1]}}, {})


# --- keys, conditionals, containers -----------------------------------------


def test_unknown_keys_are_refused() -> None:
    assert check(COMPLAINT, {**GOOD_COMPLAINT, "isAdmin": True}) == {"isAdmin": ["Unknown field."]}


def test_layout_components_submit_nothing() -> None:
    assert "Button_submit" not in form_keys(COMPLAINT)
    assert check(COMPLAINT, {**GOOD_COMPLAINT, "Text_title": "x"}) == {"Text_title": ["Unknown field."]}


def test_conditional_field_skipped_when_absent_but_checked_when_present() -> None:
    form = make_form(
        {"type": "checkbox", "key": "hasPet"},
        {
            "type": "textfield",
            "key": "petName",
            "conditional": {"hide": "=not(hasPet)"},
            "validate": {"required": True, "maxLength": 5},
        },
    )
    assert check(form, {"hasPet": False}) == {}
    assert check(form, {"hasPet": True, "petName": "旺财"}) == {}
    assert check(form, {"hasPet": True, "petName": "一二三四五六"}) == {"petName": ["Must be at most 5 characters."]}
    assert check(form, {"petName": 5}) == {"petName": ["Not a valid string."]}


def test_hidden_group_makes_its_fields_optional() -> None:
    form = make_form(
        {
            "type": "group",
            "conditional": {"hide": "=true"},
            "components": [text("reason", required=True)],
        }
    )
    assert check(form, {}) == {}


def test_group_with_path_nests_its_fields() -> None:
    form = make_form(
        {
            "type": "group",
            "id": "Group_contact",
            "label": "联系人",
            "path": "contact",
            "components": [text("name", required=True), text("phone", pattern=MOBILE)],
        }
    )
    data = {"contact": {"name": "李四", "phone": "13912345678"}}
    assert validate_submission(form, data) == (data, {})
    assert check(form, {"contact": {"phone": "1", "x": 1}}) == {
        "contact.name": REQUIRED,
        "contact.phone": [f"Must match the pattern {MOBILE}."],
        "contact.x": ["Unknown field."],
    }
    assert check(form, {}) == {"contact.name": REQUIRED}
    assert check(form, {"contact": "李四"}) == {"contact": ["Must be an object."]}
    assert check(form, {"name": "李四"}) == {"contact.name": REQUIRED, "name": ["Unknown field."]}


def test_group_without_path_is_flattened() -> None:
    form = make_form({"type": "group", "components": [text("a", required=True)]}, text("b"))
    assert form_keys(form) == ["a", "b"]
    assert check(form, {"b": "x"}) == {"a": REQUIRED}


def test_dotted_paths_and_keys_nest() -> None:
    form = make_form(
        {"type": "group", "path": "owner.address", "components": [text("city")]},
        text("owner.address.street", required=True),
        text("owner.name"),
    )
    assert form_keys(form) == ["owner.address.city", "owner.address.street", "owner.name"]
    data = {"owner": {"name": "赵六", "address": {"city": "杭州", "street": "文三路"}}}
    assert validate_submission(form, data) == (data, {})
    assert check(form, {"owner": {}}) == {"owner.address.street": REQUIRED}


def test_dynamiclist_validates_each_item() -> None:
    form = make_form(
        {
            "type": "dynamiclist",
            "id": "List_items",
            "path": "items",
            "isRepeating": True,
            "components": [text("name", required=True), number("qty", validate={"min": 1})],
        }
    )
    assert form_keys(form) == ["items[].name", "items[].qty"]
    data = {"items": [{"name": "灯泡", "qty": 2}, {"name": "开关", "qty": 1}]}
    assert validate_submission(form, data) == (data, {})
    assert check(form, {}) == {}
    assert check(form, {"items": [{"name": "灯泡", "qty": 0}, {"qty": 1}, "x"]}) == {
        "items.0.qty": ["Must be at least 1."],
        "items.1.name": REQUIRED,
        "items.2": ["Must be an object."],
    }
    assert check(form, {"items": {"name": "x"}}) == {"items": ["Not a valid list."]}


def test_readonly_and_disabled_fields_are_only_typed() -> None:
    form = make_form(
        {"type": "textfield", "key": "no", "readonly": True, "validate": {"required": True, "pattern": "^X"}},
        {"type": "number", "key": "n", "disabled": True, "validate": {"required": True, "max": 1}},
    )
    assert check(form, {}) == {}
    assert check(form, {"no": "A-1", "n": 5}) == {}
    assert check(form, {"no": 1, "n": "x"}) == {
        "no": ["Not a valid string."],
        "n": ["Not a valid number."],
    }


@pytest.mark.parametrize("data", [None, [], "text", 3, [{"name": "x"}]])
def test_data_that_is_not_an_object(data: Any) -> None:
    assert validate_submission(make_form(text("name")), data) == (
        {},
        {"_schema": ["Submitted data must be a JSON object."]},
    )


def test_bad_user_data_never_raises() -> None:
    form = make_form(number("n", increment=0.01), text("t"), {"type": "datetime", "key": "d"})
    for value in ["9" * 5000, "1" + "0" * 400 + ".5", 10**400, 1e308, {}, [[[]]], "\x00"]:
        errors = check(form, {"n": value, "t": value, "d": value, 7: value})
        assert "7" in errors


def test_form_schema_is_a_cached_marshmallow_schema() -> None:
    schema = form_schema(make_form(text("a")))
    assert isinstance(schema, Schema)
    assert form_schema(json.loads(json.dumps(make_form(text("a"))))) is schema
    assert form_schema(make_form(text("b"))) is not schema
    assert schema.load({"a": "x"}) == {"a": "x"}


def test_key_named_like_a_schema_attribute_works() -> None:
    form = make_form(text("fields"), text("load"), text("Meta"))
    data = {"fields": "a", "load": "b", "Meta": "c"}
    assert validate_submission(form, data) == (data, {})


# --- invalid form definitions -----------------------------------------------


def definition_error(form: Any, filename: str = "test.form") -> str:
    """Load a form that must be refused; return the message."""
    text_ = form if isinstance(form, str | bytes) else json.dumps(form, ensure_ascii=False)
    with pytest.raises(FormDefinitionError) as info:
        load_form(text_, filename)
    return str(info.value)


def test_bytes_with_bom_load() -> None:
    raw = "\ufeff".encode() + json.dumps(make_form(text("名字")), ensure_ascii=False).encode()
    assert form_keys(load_form(raw, "test.form")) == ["名字"]


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        ("{not json", "test.form: invalid JSON"),
        (b"\xff\xfe", "test.form: not UTF-8 text"),
        ("[]", "test.form: a form must be a JSON object"),
        ({"schemaVersion": 19, "components": []}, "needs a non-empty string 'id'"),
        ({**make_form(), "type": "custom"}, "form 'type' must be 'default'"),
        ({**make_form(), "schemaVersion": "19"}, "'schemaVersion' must be an integer >= 1"),
        ({**make_form(), "schemaVersion": True}, "'schemaVersion' must be an integer >= 1"),
        ({**make_form(), "components": {}}, "the form needs a 'components' list"),
        (make_form(form_id="other"), "form id 'other' does not match the file name"),
    ],
)
def test_malformed_forms_are_refused(form: Any, expected: str) -> None:
    assert expected in definition_error(form)


def test_any_schema_version_from_one_is_accepted() -> None:
    assert load_form(json.dumps({**make_form(), "schemaVersion": 4}))["schemaVersion"] == 4


def test_input_without_key_names_the_component() -> None:
    form = make_form({"type": "textfield", "id": "Field_0abc", "label": "姓名"})
    message = definition_error(form)
    assert message == (
        "test.form: component components[0] (textfield, id 'Field_0abc'): needs a non-empty string 'key'"
    )


def test_duplicate_keys_are_refused() -> None:
    message = definition_error(make_form(text("phone"), number("phone")))
    assert message == (
        "test.form: component 'phone' (number, id 'Number_phone'): "
        "key 'phone' is already used by component 'phone' (textfield, id 'Field_phone')"
    )


def test_same_key_in_different_paths_is_fine() -> None:
    form = make_form(
        text("name"),
        {"type": "group", "path": "contact", "components": [{**text("name"), "id": "G"}]},
        {"type": "dynamiclist", "path": "items", "components": [{**text("name"), "id": "L"}]},
    )
    assert form_keys(form) == ["name", "contact.name", "items[].name"]


def test_key_colliding_with_a_flattened_group_is_refused() -> None:
    form = make_form(text("a"), {"type": "group", "components": [number("a")]})
    assert "key 'a' is already used" in definition_error(form)


def test_key_colliding_with_a_group_path_is_refused() -> None:
    form = make_form({"type": "group", "path": "a", "components": []}, number("a"))
    assert "key 'a' is already used by component 'a' (group" in definition_error(form)
    form = make_form(text("a"), text("a.b"))
    assert "path segment 'a' is already a value of component 'a'" in definition_error(form)


def test_duplicate_component_ids_are_refused() -> None:
    form = make_form(text("a"), {"type": "text", "id": "Field_a", "text": "x"})
    assert "id 'Field_a' is also used by component 'a'" in definition_error(form)


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        (r"(?<year>\d{4})", "named group"),
        (r"\p{L}+", "cannot be compiled by Python"),
        ("[^]", "empty class"),
        ("(?i)abc", "not JavaScript regex syntax"),
        (r"\Aabc", "Python-only anchor"),
        ("(abc", "cannot be compiled by Python"),
        ("abc\\", "lone backslash"),
    ],
)
def test_patterns_python_cannot_run_like_javascript_are_refused(pattern: str, problem: str) -> None:
    message = definition_error(make_form(text("code", pattern=pattern)))
    assert message.startswith("test.form: component 'code' (textfield, id 'Field_code'): ")
    assert problem in message


@pytest.mark.parametrize(
    ("component", "problem"),
    [
        ({"type": "slider", "key": "x"}, "unknown component type 'slider'"),
        ({"type": "select", "key": "x", "values": [{"label": "甲"}]}, "needs a 'value'"),
        ({"type": "select", "key": "x", "values": "a,b"}, "'values' must be a list"),
        ({"type": "dynamiclist", "components": []}, "needs a non-empty string 'path'"),
        ({"type": "group", "components": "x"}, "'components' must be a list"),
        ({"type": "textfield", "key": "my name"}, "without spaces"),
        ({"type": "textfield", "key": "a..b"}, "without spaces"),
        ({"type": "number", "key": "x", "validate": {"min": "abc"}}, "validate.min must be a number"),
        ({"type": "textfield", "key": "x", "validate": {"maxLength": -1}}, "non-negative integer"),
        ({"type": "textfield", "key": "x", "validate": {"required": "yes"}}, "'required' must be true"),
        ({"type": "textfield", "key": "x", "validate": {"validationType": "url"}}, "validationType"),
        ({"type": "datetime", "key": "x", "subtype": "week"}, "datetime subtype"),
        ({"type": "number", "key": "x", "increment": 0}, "'increment' must be a positive number"),
        ({"type": "textfield", "key": "x", "conditional": "=a"}, "'conditional' must be an object"),
        ("textfield", "a component must be an object"),
    ],
)
def test_bad_components_are_refused(component: Any, problem: str) -> None:
    message = definition_error(make_form(component))
    assert message.startswith("test.form: component ")
    assert problem in message


def test_feel_expression_limits_are_skipped() -> None:
    form = make_form(number("n", validate={"min": "=minimum", "max": "=maximum"}))
    assert check(form, {"n": -1e9}) == {}


def test_form_dict_errors_name_the_form_id() -> None:
    with pytest.raises(FormDefinitionError) as info:
        form_schema(make_form({"type": "textfield"}, form_id="repair"))
    assert str(info.value).startswith("form 'repair': component components[0] (textfield)")
    assert info.value.component == "component components[0] (textfield)"


def test_long_bad_choices_are_cut_in_messages() -> None:
    form = make_form({"type": "select", "key": "s", "values": [{"label": "甲", "value": "a"}]})
    assert check(form, {"s": "长" * 500}) == {"s": [f'Not a valid choice: "{"长" * 36}....']}


def test_string_with_bom_loads() -> None:
    assert load_form("\ufeff" + json.dumps(make_form()))["id"] == "test"


def test_left_out_checkboxes_take_their_default_in_groups_and_dotted_keys() -> None:
    form = {"type": "default", "id": "f", "schemaVersion": 19, "components": [
        {"type": "checkbox", "id": "c1", "key": "flags.urgent", "label": "紧急"},
        {"type": "group", "id": "g", "path": "extra", "components": [
            {"type": "checkbox", "id": "c2", "key": "major", "label": "重大", "defaultValue": True}]},
        {"type": "checkbox", "id": "c3", "key": "hidden", "label": "x", "conditional": {"hide": "=true"}},
    ]}
    assert validate_submission(form, {}) == ({"flags": {"urgent": False}, "extra": {"major": True}}, {})
