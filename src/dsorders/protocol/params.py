"""Request parameters: the query string and the body, decoded and merged (PROTOCOL.md section 2)."""

from __future__ import annotations

from collections.abc import Sequence

from .errors import invalid_parameter

FORM_URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"


def parse_content_type(header: str) -> tuple[str, dict[str, str]]:
    """`type/subtype; k=v` into the lower-cased media type and its parameters."""
    media_type, _, rest = header.partition(";")
    options: dict[str, str] = {}
    for item in rest.split(";"):
        key, sep, value = item.partition("=")
        if sep:
            options[key.strip().lower()] = value.strip().strip('"')
    return media_type.strip().lower(), options


_PERCENT, _PLUS = ord("%"), ord("+")


def parse_urlencoded(data: bytes | str, charset: str = "utf-8") -> list[tuple[str, str]]:
    """`a=1&b=%C3%9C` into pairs, as `parse_qsl(keep_blank_values=True)` reads it.

    Works on bytes so that raw (unescaped) non-ASCII bytes and percent-escapes both decode
    in the declared charset; undecodable bytes become replacement characters, which the
    signature check then rejects rather than guessing. The gateway parses every call's
    query with it, so pieces with nothing to unescape (most of them) take the short path.
    """
    raw = data.encode() if isinstance(data, str) else data
    pairs: list[tuple[str, str]] = []
    append = pairs.append
    for piece in raw.split(b"&"):
        if not piece:
            continue
        if _PERCENT in piece or _PLUS in piece:  # byte values: much cheaper than a bytes search
            name, _, value = piece.replace(b"+", b" ").partition(b"=")
            append((_unescape(name).decode(charset, "replace"), _unescape(value).decode(charset, "replace")))
        else:
            name, _, value = piece.partition(b"=")
            append((name.decode(charset, "replace"), value.decode(charset, "replace")))
    return pairs


# Every two-digit escape in any letter case, to its byte.
_ESCAPES: dict[bytes, bytes] = {
    spelling.encode(): bytes([value])
    for value in range(256)
    for spelling in {
        f"{value:02x}",
        f"{value:02X}",
        f"{value:02x}"[0] + f"{value:02X}"[1],
        f"{value:02X}"[0] + f"{value:02x}"[1],
    }
}


def _unescape(part: bytes) -> bytes:
    """Percent-escapes to bytes; a `%` not followed by two hex digits stays as it is."""
    head, *rest = part.split(b"%")
    if not rest:
        return part
    out = [head]
    for chunk in rest:
        byte = _ESCAPES.get(chunk[:2])
        out.append(byte + chunk[2:] if byte is not None else b"%" + chunk)
    return b"".join(out)


def parse_multipart(data: bytes, boundary: str, charset: str = "utf-8") -> list[tuple[str, str]]:
    """Form fields of a multipart body; parts that carry a filename are files and are skipped."""
    from python_multipart.multipart import MultipartParser, parse_options_header

    pairs: list[tuple[str, str]] = []
    headers: dict[bytes, bytes] = {}
    header_field = bytearray()
    header_value = bytearray()
    chunks: list[bytes] = []

    def on_part_begin() -> None:
        headers.clear()
        chunks.clear()

    def on_header_field(buf: bytes, start: int, end: int) -> None:
        header_field.extend(buf[start:end])

    def on_header_value(buf: bytes, start: int, end: int) -> None:
        header_value.extend(buf[start:end])

    def on_header_end() -> None:
        headers[bytes(header_field).lower()] = bytes(header_value)
        header_field.clear()
        header_value.clear()

    def on_part_data(buf: bytes, start: int, end: int) -> None:
        chunks.append(buf[start:end])

    def on_part_end() -> None:
        _, options = parse_options_header(headers.get(b"content-disposition", b""))
        name = options.get(b"name")
        if name is None or b"filename" in options:
            return
        pairs.append((name.decode(charset, "replace"), b"".join(chunks).decode(charset, "replace")))

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
        },
    )
    try:
        parser.write(data)
        parser.finalize()
    except Exception as exc:  # the parser raises its own error types for malformed bodies
        raise invalid_parameter("body", "malformed multipart/form-data body") from exc
    return pairs


def parse_body(data: bytes, content_type: str) -> list[tuple[str, str]]:
    """Form fields of a request body; a body of any other media type carries no parameters."""
    if not data:
        return []
    media_type, options = parse_content_type(content_type)
    charset = options.get("charset", "utf-8")
    try:
        "".encode(charset)
    except LookupError:
        raise invalid_parameter("charset", f"unknown charset {charset!r}") from None
    if media_type == FORM_URLENCODED:
        return parse_urlencoded(data, charset)
    if media_type == MULTIPART:
        boundary = options.get("boundary")
        if not boundary:
            raise invalid_parameter("body", "multipart/form-data without a boundary")
        return parse_multipart(data, boundary, charset)
    return []


def merge(*sources: Sequence[tuple[str, str]]) -> dict[str, str]:
    """One mapping from all sources; a name repeated with another value is an error."""
    pairs = sources[0] if len(sources) == 1 else [pair for source in sources for pair in source]
    params = dict(pairs)
    if len(params) != len(pairs):  # a repeated name: every value must be the first one
        for key, value in pairs:
            if params.setdefault(key, value) != value:
                raise invalid_parameter(key, "it is given more than once with different values")
    return params
