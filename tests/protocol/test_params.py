from __future__ import annotations

import string
from urllib.parse import urlencode

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dsorders.protocol import params as wire
from dsorders.protocol.errors import ProtocolError

text = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
pairs = st.lists(st.tuples(text.filter(bool), text), max_size=8, unique_by=lambda p: p[0])
form_names = st.text(string.ascii_letters + string.digits + "_.-[]", min_size=1, max_size=20)
form_pairs = st.lists(st.tuples(form_names, text), max_size=8, unique_by=lambda p: p[0])


@given(pairs)
def test_urlencoded_round_trip(items: list[tuple[str, str]]) -> None:
    assert wire.parse_urlencoded(urlencode(items).encode()) == items


@given(form_pairs)
def test_multipart_round_trip(items: list[tuple[str, str]]) -> None:
    request = httpx.Request("POST", "http://t/", data=dict(items), files={"upload": ("f.bin", b"\x00\x01")})
    body = request.read()
    fields = wire.parse_body(body, request.headers["content-type"])
    assert fields == items


@given(pairs)
def test_merge_of_identical_sources_is_one_mapping(items: list[tuple[str, str]]) -> None:
    assert wire.merge(items, items) == dict(items)


@given(text.filter(bool), text, text)
def test_merge_refuses_a_name_with_two_values(name: str, first: str, second: str) -> None:
    if first == second:
        assert wire.merge([(name, first)], [(name, second)]) == {name: first}
        return
    with pytest.raises(ProtocolError) as caught:
        wire.merge([(name, first)], [(name, second)])
    assert caught.value.code == "InvalidParameter" and f'"{name}"' in caught.value.message


def test_blank_values_are_parameters() -> None:
    assert wire.parse_urlencoded(b"a=&b=1") == [("a", ""), ("b", "1")]


def test_values_are_kept_exactly_as_decoded() -> None:
    assert wire.parse_urlencoded(b"a=+x%20&b=%C3%9C") == [("a", " x "), ("b", "Ü")]


def test_other_media_types_carry_no_parameters() -> None:
    assert wire.parse_body(b'{"a": 1}', "application/json") == []


def test_multipart_without_boundary_is_invalid_parameter() -> None:
    with pytest.raises(ProtocolError):
        wire.parse_body(b"--x\r\n", "multipart/form-data")


def test_content_type_parameters_are_read() -> None:
    assert wire.parse_content_type('multipart/form-data; boundary="ab c"; charset=UTF-8') == (
        "multipart/form-data",
        {"boundary": "ab c", "charset": "UTF-8"},
    )


@given(st.binary(max_size=40))
def test_unescaping_agrees_with_the_standard_library(raw: bytes) -> None:
    from urllib.parse import unquote_to_bytes

    piece = raw.replace(b"&", b"").replace(b"=", b"")
    assert wire.parse_urlencoded(b"k=" + piece, "latin-1") == [
        ("k", unquote_to_bytes(piece.replace(b"+", b" ")).decode("latin-1"))
    ]


@given(st.text(max_size=30), st.sampled_from(["%", "%4", "%zz", "%4g", "%%41", "%e4%b8%ad", "%E4%B8%AD"]))
def test_odd_escapes_read_as_parse_qsl_reads_them(text: str, tail: str) -> None:
    from urllib.parse import parse_qsl, quote

    query = "k=" + quote(text) + tail
    assert wire.parse_urlencoded(query) == parse_qsl(query, keep_blank_values=True, errors="replace")
