"""`dsorders sign`: the string to sign, each method's signature, and which one a given sign matches."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlencode

from dsorders.protocol import signing

from .conftest import Cli

# The published test vector (PROTOCOL.md section 3).
PARAMS = ["access_token=test", "app_key=123456", "order_id=1234", "sign_method=sha256", "timestamp=1517820392000"]
EXPECTED = "4190D32361CFB9581350222F345CB77F3B19F0E31D162316848A2C1FFD5FAB4A"
STRING = "/order/getaccess_tokentestapp_key123456order_id1234sign_methodsha256timestamp1517820392000"


def test_prints_the_string_to_sign_and_every_method(cli: Cli) -> None:
    out = cli.json("sign", "--secret", "helloworld", "--api-name", "/order/get", *PARAMS)
    assert out["string_to_sign"] == STRING
    assert out["signatures"]["sha256"] == EXPECTED
    assert out["signatures"]["md5"] == signing.sign_string(STRING, "helloworld", "md5")
    assert out["signatures"]["hmac"] == signing.sign_string(STRING, "helloworld", "hmac")
    assert "matches" not in out
    text = cli("sign", "--secret", "helloworld", "--api-name", "/order/get", *PARAMS).stdout
    assert STRING in text and EXPECTED in text


def test_a_matching_sign_names_its_method(cli: Cli) -> None:
    params = {"app_key": "1", "method": "aliexpress.trade.ds.order.get", "sign_method": "md5", "timestamp": "1"}
    params["sign"] = signing.sign(params, "s", "md5").lower()
    out = cli.json("sign", "--secret", "s", *(f"{k}={v}" for k, v in params.items()))
    assert out["matches"] == "md5"
    assert out["hints"] == []


def test_sign_method_that_disagrees_with_the_signature_is_pointed_out(cli: Cli) -> None:
    params = {"app_key": "1", "sign_method": "md5", "timestamp": "1"}
    params["sign"] = signing.sign(params, "s", "hmac")
    out = cli.json("sign", "--secret", "s", *(f"{k}={v}" for k, v in params.items()))
    assert out["matches"] == "hmac"
    assert "sign_method says 'md5'" in out["hints"][0]


def test_a_sign_that_matches_nothing_exits_1(cli: Cli) -> None:
    result = cli("sign", "--secret", "wrong", *PARAMS, f"sign={EXPECTED}", "--api-name", "/order/get", ok=False)
    assert result.exit_code == 1
    assert "matches no method" in result.stderr


def test_a_system_call_signed_without_its_api_name_is_diagnosed(cli: Cli) -> None:
    params = dict(item.split("=", 1) for item in PARAMS)
    params["sign"] = signing.sign(params, "helloworld")
    result = cli("sign", "--secret", "helloworld", "--api-name", "/order/get",
                 *(f"{k}={v}" for k, v in params.items()), ok=False)  # fmt: skip
    assert "matches without the API name '/order/get'" in result.stderr


def test_a_request_url_gives_parameters_and_api_name(cli: Cli) -> None:
    query = urlencode([tuple(item.split("=", 1)) for item in PARAMS] + [("sign", EXPECTED)])
    out = cli.json("sign", "--secret", "helloworld", f"https://api.example.com/rest/order/get?{query}")
    assert out["api_name"] == "/order/get"
    assert out["matches"] == "sha256"


def test_a_query_string_is_percent_decoded_and_key_value_is_literal(cli: Cli) -> None:
    decoded = cli.json("sign", "--secret", "s", "a=1%2B1&b=x")["string_to_sign"]
    literal = cli.json("sign", "--secret", "s", "a=1%2B1")["string_to_sign"]
    assert (decoded, literal) == ("a1+1bx", "a1%2B1")


def test_params_file_json(cli: Cli, tmp_path: Path) -> None:
    file = tmp_path / "params.json"
    file.write_text(json.dumps({"single_order_query": '{"order_id":"1"}', "app_key": "9"}))
    out = cli.json("sign", "--secret", "s", "--params-file", str(file))
    assert out["string_to_sign"] == 'app_key9single_order_query{"order_id":"1"}'


def test_errors_say_what_to_give(cli: Cli, tmp_path: Path) -> None:
    assert "--secret" in cli("sign", "a=1", ok=False).stderr
    assert "give the parameters" in cli("sign", "--secret", "s", ok=False).stderr
    assert (
        "cannot read --params-file"
        in cli("sign", "--secret", "s", "--params-file", str(tmp_path / "x"), ok=False).stderr
    )
    assert "given twice" in cli("sign", "--secret", "s", "a=1", "a=2", ok=False).stderr
