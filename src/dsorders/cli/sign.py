"""`dsorders sign`: the string to sign and the signature of each sign method, for IncompleteSignature."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import typer

from ..protocol import params as wire
from ..protocol import signing
from .common import console, err_console, fail, print_json

HELP = (
    "Print the string to sign and its signature with sha256, md5 and hmac; check a given `sign`.\n\n"
    "The tool for IncompleteSignature: paste the failing request's URL (or its parameters) with the app's"
    " secret and see what the service expected. Exits 1 when a given `sign` matches no method."
)
ParamsArgument = Annotated[
    list[str] | None,
    typer.Argument(
        help="Parameters: key=value (taken literally), a query string (a=1&b=2, percent-decoded), or a whole"
        " request URL.",
        show_default=False,
    ),
]


def _pairs(text: str) -> tuple[list[tuple[str, str]], str | None]:
    """The parameters of one argument, and the API name its URL path carries (/rest/<path>)."""
    if text.startswith(("http://", "https://")):
        url = urlsplit(text)
        api = url.path[len("/rest") :] if url.path.startswith("/rest/") else None
        return wire.parse_urlencoded(url.query), api
    if text.startswith("?") or "&" in text:
        return wire.parse_urlencoded(text.removeprefix("?")), None
    key, sep, value = text.partition("=")
    if not sep or not key:
        fail(f"{text!r} is not key=value, a query string or a URL.")
    return [(key, value)], None


def _from_file(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        fail(f"cannot read --params-file {str(path)!r}: {exc.strerror}.")
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped)
        except ValueError as exc:
            fail(f"--params-file {str(path)!r} is not valid JSON: {exc}.")
        return [f"{key}={value if isinstance(value, str) else json.dumps(value)}" for key, value in data.items()]
    return [line for line in stripped.splitlines() if line.strip()]


def collect(arguments: list[str]) -> tuple[dict[str, str], str | None]:
    params: dict[str, str] = {}
    path_api = None
    for argument in arguments:
        pairs, api = _pairs(argument)
        path_api = api or path_api
        for key, value in pairs:
            if key in params and params[key] != value:
                fail(f"{key} is given twice with different values ({params[key]!r} and {value!r}).")
            params[key] = value
    return params, path_api


def report(params: dict[str, str], secret: str, api_name: str) -> dict[str, Any]:
    """What `sign` prints: the string to sign, every method's signature, and whether `sign` matches."""
    text = signing.string_to_sign(params, api_name)
    signatures = {method: signing.sign_string(text, secret, method) for method in signing.SIGN_METHODS}
    result: dict[str, Any] = {"api_name": api_name, "string_to_sign": text, "signatures": signatures}
    given = params.get("sign")
    if given is not None:
        matches = [m for m in signing.SIGN_METHODS if signing.verify(params, secret, given, m, api_name)]
        result["sign"] = given
        result["matches"] = matches[0] if matches else None
        result["hints"] = _hints(params, secret, api_name, given, matches)
    return result


def _hints(params: dict[str, str], secret: str, api_name: str, given: str, matches: Sequence[str]) -> list[str]:
    declared = params.get("sign_method", signing.DEFAULT_SIGN_METHOD)
    if matches:
        if declared not in matches:
            return [f"sign_method says {declared!r} but the signature was made with {matches[0]!r}: make them agree."]
        return []
    hints = []
    if "/" in api_name and any(signing.verify(params, secret, given, m) for m in signing.SIGN_METHODS):
        hints.append(f"it matches without the API name {api_name!r} first: the client left it out.")
    hints.append(
        "no sign method matches: check the app secret, that every parameter sent (query and body) is"
        " signed, that values were signed before URL-encoding, and that nothing changed after signing."
    )
    return hints


def sign(
    parameters: ParamsArgument = None,
    secret: Annotated[str, typer.Option("--secret", help="The app secret.", show_default=False)] = "",
    api_name: Annotated[
        str | None,
        typer.Option("--api-name", help="The API name. Default: the `method` parameter, or the /rest/<path> URL's."),
    ] = None,
    params_file: Annotated[
        Path | None,
        typer.Option(
            "--params-file", dir_okay=False, help="Read parameters from a file: a JSON object, or key=value lines."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Print the string to sign and its signature with sha256, md5 and hmac; check a given `sign`."""
    if not secret:
        fail("give the app secret with --secret (`dsorders apps show APP_KEY` prints it).")
    arguments = list(parameters or []) + (_from_file(params_file) if params_file is not None else [])
    if not arguments:
        fail("give the parameters: key=value arguments, a query string, a URL, or --params-file FILE.")
    params, path_api = collect(arguments)
    name = api_name or path_api or params.get("method", "")
    result = report(params, secret, name)
    if as_json:
        print_json(result)
    else:
        _print(result)
    if "sign" in result and result["matches"] is None:
        raise typer.Exit(1)


def _print(result: dict[str, Any]) -> None:
    console.print("[bold]string to sign[/]:", highlight=False)
    console.print(result["string_to_sign"], markup=False, highlight=False)
    for method, signature in result["signatures"].items():
        console.print(f"[bold]{method:6}[/] {signature}", highlight=False)
    if "sign" not in result:
        return
    if result["matches"]:
        console.print(f"[green]sign matches[/] ({result['matches']}).", highlight=False)
    else:
        err_console.print(f"[red]sign {result['sign']} matches no method.[/]", highlight=False)
    for hint in result["hints"]:
        err_console.print(f"hint: {hint}", markup=False, highlight=False)
