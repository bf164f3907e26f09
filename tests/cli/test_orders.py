"""`dsorders orders`: validated import, --skip-invalid, export round trip, get and count."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from dsorders import demo

from .conftest import Cli


def records(count: int = 30) -> list[dict[str, Any]]:
    return list(demo.orders((2000001, 2000002), count=count, seed=7))


def write(path: Path, items: list[dict[str, Any] | str]) -> Path:
    lines = [item if isinstance(item, str) else json.dumps(item) for item in items]
    path.write_text("".join(line + "\n" for line in lines))
    return path


def broken(change: str) -> dict[str, Any]:
    record = copy.deepcopy(records(3)[2])
    if change == "unknown field":
        record["child_order_list"][0]["colour"] = "red"
    elif change == "bad enum":
        record["order_status"] = "SHIPPED"
    elif change == "bad money":
        record["order_amount"] = {"amount": "12.5", "currency_code": "USD"}
    elif change == "bad id":
        record["order_id"] = "-12"
    elif change == "unknown buyer":
        record["buyer_user_id"] = "7777777"
    return record


@pytest.mark.parametrize(
    ("change", "path", "reason"),
    [
        ("unknown field", "$.child_order_list[0].colour", "unknown field"),
        ("bad enum", "$.order_status", "Invalid enum value 'SHIPPED'"),
        ("bad money", "$.order_amount", "must have 2 decimal places for USD"),
        ("bad id", "$.order_id", "must be a string of digits"),
        ("unknown buyer", "$.buyer_user_id", "no account with user id 7777777"),
    ],
)
def test_a_bad_line_imports_nothing_and_the_error_names_line_and_path(
    people: Cli, tmp_path: Path, change: str, path: str, reason: str
) -> None:
    good = records(2)
    file = write(tmp_path / "orders.jsonl", [good[0], good[1], broken(change)])
    result = people("orders", "import", str(file), ok=False)
    assert f"line 3: {path}: " in result.stderr
    assert reason in result.stderr
    assert "nothing imported" in result.stderr
    assert people("orders", "count").stdout.strip() == "0"


def test_a_line_that_is_not_json_is_named(people: Cli, tmp_path: Path) -> None:
    file = write(tmp_path / "orders.jsonl", [records(1)[0], "", '{"order_id": "1",'])
    result = people("orders", "import", str(file), ok=False)
    assert "line 3: $: not a JSON object" in result.stderr


def test_skip_invalid_imports_the_good_lines_and_writes_the_rejects(people: Cli, tmp_path: Path) -> None:
    good = records(4)
    bad_enum, bad_money = broken("bad enum"), broken("bad money")
    file = write(tmp_path / "orders.jsonl", [good[0], bad_enum, good[1], good[2], bad_money, good[3]])
    rejects = tmp_path / "rejects.jsonl"
    summary = people.json("orders", "import", str(file), "--skip-invalid", "--rejects", str(rejects))
    assert summary == {"read": 6, "imported": 4, "rejected": 2, "rejects_file": str(rejects)}
    rejected = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert [(item["line"], item["path"]) for item in rejected] == [(2, "$.order_status"), (5, "$.order_amount")]
    assert json.loads(rejected[0]["text"]) == bad_enum
    assert "SHIPPED" in rejected[0]["reason"]
    assert people("orders", "count").stdout.strip() == "4"


def test_rejects_without_skip_invalid_is_refused(people: Cli, tmp_path: Path) -> None:
    file = write(tmp_path / "orders.jsonl", records(1))
    result = people("orders", "import", str(file), "--rejects", str(tmp_path / "r.jsonl"), ok=False)
    assert "--rejects goes with --skip-invalid" in result.stderr


def test_export_then_import_is_an_exact_byte_round_trip(people: Cli, tmp_path: Path) -> None:
    people("orders", "import", str(write(tmp_path / "in.jsonl", records(60))))
    first = tmp_path / "first.jsonl"
    people("orders", "export", "--output", str(first))
    other = Cli(tmp_path / "other.db", people.runner)
    other("accounts", "create", "--login", "alice", "--user-id", "2000001")
    other("accounts", "create", "--login", "bob", "--user-id", "2000002")
    other("orders", "import", str(first))
    second = other("orders", "export").stdout_bytes
    assert second == first.read_bytes()
    assert len(second.splitlines()) == 60


def test_demo_data_round_trips_exactly(cli: Cli, tmp_path: Path) -> None:
    cli("demo", "--no-serve", "--db", str(cli.db))
    exported = cli("orders", "export").stdout_bytes
    other = Cli(tmp_path / "other.db", cli.runner)
    for account in cli.json("accounts", "list"):
        other("accounts", "create", "--login", account["login"], "--user-id", str(account["user_id"]))
    other("orders", "import", "-", input=exported)
    assert other("orders", "export").stdout_bytes == exported
    assert b'"order_id":"10000001"' in exported


def test_importing_again_changes_nothing(people: Cli, tmp_path: Path) -> None:
    file = write(tmp_path / "in.jsonl", records(20))
    people("orders", "import", str(file))
    before = people("orders", "export").stdout_bytes
    summary = people.json("orders", "import", str(file))
    assert summary["imported"] == 20
    assert people("orders", "count").stdout.strip() == "20"
    assert people("orders", "export").stdout_bytes == before


def test_import_reads_standard_input(people: Cli) -> None:
    lines = "".join(json.dumps(record) + "\n" for record in records(5))
    result = people("orders", "import", "-", input=lines)
    assert "Imported 5 orders" in result.stdout


def test_import_in_another_zone_exports_in_the_service_zone(people: Cli, tmp_path: Path) -> None:
    record = records(1)[0] | {"gmt_create": "2024-03-01 09:00:00", "order_status": "PLACE_ORDER_SUCCESS"}
    people("orders", "import", str(write(tmp_path / "in.jsonl", [record])), "--zone", "Asia/Tokyo")
    exported = json.loads(people("orders", "export").stdout)
    assert exported["gmt_create"] == "2024-02-29 16:00:00"


def test_export_of_one_account(people: Cli, tmp_path: Path) -> None:
    people("orders", "import", str(write(tmp_path / "in.jsonl", records(10))))
    lines = people("orders", "export", "--account", "bob").stdout.splitlines()
    assert len(lines) == 5
    assert {json.loads(line)["buyer_user_id"] for line in lines} == {"2000002"}
    assert people.json("orders", "count", "--account", "2000002") == {"count": 5}


def test_get_prints_one_order_as_its_export_record(people: Cli, tmp_path: Path) -> None:
    record = records(1)[0]
    people("orders", "import", str(write(tmp_path / "in.jsonl", [record])))
    assert people.json("orders", "get", record["order_id"]) == record
    assert '"order_status"' in people("orders", "get", record["order_id"]).stdout


def test_get_of_an_unknown_order_says_so(people: Cli) -> None:
    result = people("orders", "get", "12345", ok=False)
    assert "no order 12345" in result.stderr


def test_missing_file_is_a_clear_error(people: Cli, tmp_path: Path) -> None:
    result = people("orders", "import", str(tmp_path / "nope.jsonl"), ok=False)
    assert "no file" in result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_unknown_zone_is_a_clear_error(people: Cli, tmp_path: Path) -> None:
    file = write(tmp_path / "in.jsonl", records(1))
    result = people("orders", "import", str(file), "--zone", "Mars/Olympus", ok=False)
    assert "unknown time zone 'Mars/Olympus'" in result.stderr
