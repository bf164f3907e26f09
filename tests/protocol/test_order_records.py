"""Import records: every format check names the field that fails."""

from __future__ import annotations

import copy
import json
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from dsorders import demo
from dsorders.protocol import order_result
from dsorders.protocol.order_result import InvalidRecordError, decode_record

from ..conftest import seed_result

LA = ZoneInfo("America/Los_Angeles")


def record(**changes: Any) -> dict[str, Any]:
    base = {"order_id": "10000001", "buyer_user_id": "2000001", **copy.deepcopy(seed_result())}
    base.update(changes)
    return base


def refused(value: dict[str, Any]) -> InvalidRecordError:
    with pytest.raises(InvalidRecordError) as caught:
        decode_record(json.dumps(value), LA)
    return caught.value


def test_the_seed_record_is_accepted() -> None:
    order_id, user_id, result = decode_record(json.dumps(record()), LA)
    assert (order_id, user_id, result.order_status) == (10000001, 2000001, "FUND_PROCESSING")


@pytest.mark.parametrize("value", ["12a", "١٢٣", "-5", "0", "9223372036854775808"])
def test_ids_must_be_positive_64_bit_digit_strings(value: str) -> None:
    assert refused(record(order_id=value)).path == "$.order_id"


@pytest.mark.parametrize(
    "created", ["2018-08-28T05:39:01", "2018-08-28 05:39+01", "2018-02-30 05:39:01", "2018/08/28 05:39:01"]
)
def test_gmt_create_must_be_a_real_local_time_in_the_platform_form(created: str) -> None:
    assert refused(record(gmt_create=created)).path == "$.gmt_create"


@pytest.mark.parametrize(
    "paid", ["2019-06-03T18:05:47-07:00", "2019-06-03T18:05:47+09:00[America/Los_Angeles]", "x" * 30 + "[Nowhere/City]"]
)
def test_paid_time_needs_an_offset_that_matches_its_zone(paid: str) -> None:
    assert refused(record(order_paidtime_string=paid)).path == "$.order_paidtime_string"


@pytest.mark.parametrize(
    ("money", "path"),
    [
        ({"amount": "1.0", "currency_code": "USD"}, "$.order_amount"),
        ({"amount": "100.00", "currency_code": "JPY"}, "$.order_amount"),
        ({"amount": "1.00", "currency_code": "KWD"}, "$.order_amount"),
        ({"amount": "1,00", "currency_code": "USD"}, "$.order_amount.amount"),
        ({"amount": "١.00", "currency_code": "USD"}, "$.order_amount.amount"),
        ({"amount": "1.00", "currency_code": "usd"}, "$.order_amount.currency_code"),
    ],
)
def test_money_is_checked_against_its_currency(money: dict[str, str], path: str) -> None:
    assert refused(record(order_amount=money)).path == path


def test_minor_units_that_fit_are_accepted() -> None:
    for amount, currency in (("100", "JPY"), ("1.000", "KWD"), ("-0.50", "USD")):
        decode_record(json.dumps(record(order_amount={"amount": amount, "currency_code": currency})), LA)


def test_a_child_orders_fields_are_named_by_index() -> None:
    child = dict(seed_result()["child_order_list"][0], product_id="21x")
    assert refused(record(child_order_list=[seed_result()["child_order_list"][0], child])).path == (
        "$.child_order_list[1].product_id"
    )
    child = dict(seed_result()["child_order_list"][0], sale_fee={"amount": "2.5", "currency_code": "EUR"})
    assert refused(record(child_order_list=[child])).path == "$.child_order_list[0].sale_fee"


def test_unknown_fields_and_wrong_types_are_named() -> None:
    assert refused(record(colour="red")).path == "$.colour"
    assert refused(record(store_info={"store_id": 5})).path == "$.store_info.store_id"
    assert refused(record(order_status="LOST")).path == "$.order_status"


def _wrapped_by_hand(streamlined: dict[str, Any]) -> dict[str, Any]:
    """The wrapped shape built from the streamlined one with plain dicts: the reference."""
    doc = copy.deepcopy(streamlined)
    if "logistics_info_list" in doc:
        doc["logistics_info_list"] = {"aeop_order_logistics_info": doc["logistics_info_list"]}
    if "store_info" in doc:
        doc["store_info"]["store_id"] = int(doc["store_info"]["store_id"])
    if "child_order_list" in doc:
        for child in doc["child_order_list"]:
            child["product_id"] = int(child["product_id"])
            child["product_count"] = int(child["product_count"])
        doc["child_order_list"] = {"aeop_child_order_info": doc["child_order_list"]}
    return doc


def _variants() -> list[dict[str, Any]]:
    records = list(demo.orders((2000001,), count=150, seed=11))
    bare = {
        key: value
        for key, value in record().items()
        if key in ("order_id", "buyer_user_id", "gmt_create", "order_status")
    }
    return [*records, record(), bare, record(logistics_info_list=[], child_order_list=[], store_info=None)]


@pytest.mark.parametrize("value", _variants(), ids=lambda value: str(value["order_id"]))
def test_the_wrapped_encoding_matches_the_reference_in_content_and_key_order(value: dict[str, Any]) -> None:
    value = {key: item for key, item in value.items() if item is not None}
    _, _, result = decode_record(json.dumps(value), LA)
    streamlined = json.loads(order_result.encode_streamlined(result))
    wrapped = json.loads(order_result.encode_wrapped(result))
    assert json.dumps(wrapped) == json.dumps(_wrapped_by_hand(streamlined))
    # The result is left as it was.
    assert json.loads(order_result.encode_streamlined(result)) == streamlined
