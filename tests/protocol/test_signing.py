from __future__ import annotations

import hashlib
import hmac

from hypothesis import given
from hypothesis import strategies as st

from dsorders.protocol import signing

names = st.text(min_size=1, max_size=12)
values = st.text(max_size=40)
param_maps = st.dictionaries(names, values, max_size=8)
methods = st.sampled_from(signing.SIGN_METHODS)
api_names = st.sampled_from(["aliexpress.trade.ds.order.get", "/auth/token/create", ""])


def test_published_vector() -> None:
    text = "/order/getaccess_tokentestapp_key123456order_id1234sign_methodsha256timestamp1517820392000"
    assert signing.sign_string(text, "helloworld") == "4190D32361CFB9581350222F345CB77F3B19F0E31D162316848A2C1FFD5FAB4A"


def test_string_to_sign_prefixes_only_api_names_with_a_slash() -> None:
    params = {"b": "2", "a": "1", "sign": "X"}
    assert signing.string_to_sign(params, "/auth/token/create") == "/auth/token/createa1b2"
    assert signing.string_to_sign(params, "aliexpress.trade.ds.order.get") == "a1b2"


def test_md5_and_hmac_are_the_top_forms() -> None:
    text = signing.string_to_sign({"k": "v"})
    assert signing.sign({"k": "v"}, "s", "md5") == hashlib.md5(b"s" + text.encode() + b"s").hexdigest().upper()
    assert signing.sign({"k": "v"}, "s", "hmac") == hmac.new(b"s", text.encode(), hashlib.md5).hexdigest().upper()


@given(param_maps, st.text(min_size=1, max_size=20), methods, api_names)
def test_a_signature_verifies_in_either_case(params: dict[str, str], secret: str, method: str, api: str) -> None:
    signature = signing.sign(params, secret, method, api)  # type: ignore[arg-type]
    assert signature == signature.upper()
    assert signing.verify(params, secret, signature, method, api)  # type: ignore[arg-type]
    assert signing.verify(params, secret, signature.lower(), method, api)  # type: ignore[arg-type]


@given(param_maps, names, values, methods)
def test_changing_any_value_breaks_the_signature(params: dict[str, str], name: str, value: str, method: str) -> None:
    signature = signing.sign(params, "secret", method)  # type: ignore[arg-type]
    changed = {**params, name: value}
    if name == "sign" or changed == params:
        return
    assert not signing.verify(changed, "secret", signature, method)  # type: ignore[arg-type]


@given(param_maps)
def test_the_sign_parameter_is_never_signed(params: dict[str, str]) -> None:
    assert signing.string_to_sign({**params, "sign": "ANYTHING"}) == signing.string_to_sign(
        {k: v for k, v in params.items() if k != "sign"}
    )


@given(param_maps)
def test_keys_sort_by_code_point(params: dict[str, str]) -> None:
    text = signing.string_to_sign(params)
    assert text == "".join(k + params[k] for k in sorted(params, key=lambda k: [ord(c) for c in k]) if k != "sign")
