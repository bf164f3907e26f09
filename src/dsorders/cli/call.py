"""`dsorders call`: one signed call to any API method, on this service or on the real platform."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ..client import Client
from ..errors import ApiError, DsOrdersError
from .common import JsonOption, console, err_console, fail, print_json

MethodArgument = Annotated[
    str,
    typer.Argument(help="The API name: aliexpress.trade.ds.order.get, or a system method such as /auth/token/create."),
]
ParamOption = Annotated[
    list[str] | None,
    typer.Option("--param", "-p", help="An API parameter as NAME=VALUE; repeat for more.", show_default=False),
]
UrlOption = Annotated[
    str | None,
    typer.Option(
        "--url", envvar="DSORDERS_URL", help="The API's base URL: http://127.0.0.1:8000, https://api-sg.aliexpress.com."
    ),
]
AppKeyOption = Annotated[str | None, typer.Option("--app-key", envvar="DSORDERS_APP_KEY", help="The app key.")]
AppSecretOption = Annotated[
    str | None,
    typer.Option(
        "--app-secret",
        envvar="DSORDERS_APP_SECRET",
        help="The app secret (prefer the environment variable: options show in the process list).",
        show_default=False,
    ),
]
TokenOption = Annotated[
    str | None,
    typer.Option("--access-token", envvar="DSORDERS_ACCESS_TOKEN", help="The user's access token.", show_default=False),
]
WrappedOption = Annotated[
    bool, typer.Option("--wrapped", help="Ask for the wrapped shape instead of the streamlined one.")
]
RetriesOption = Annotated[int, typer.Option("--retries", min=0, help="Retries after a busy service or network error.")]


def parse_params(items: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            fail(f'--param {item!r}: write it as NAME=VALUE, e.g. --param \'single_order_query={{"order_id":"1"}}\'')
        if name in params and params[name] != value:
            fail(f"--param {name} is given twice with different values; give it once")
        params[name] = value
    return params


def call(
    method: MethodArgument,
    param: ParamOption = None,
    url: UrlOption = None,
    app_key: AppKeyOption = None,
    app_secret: AppSecretOption = None,
    access_token: TokenOption = None,
    wrapped: WrappedOption = False,
    retries: RetriesOption = 2,
    as_json: JsonOption = False,
) -> None:
    """Make one signed call and print the reply; exit 1 when it is an error."""
    if not url:
        fail("no URL: give --url or set DSORDERS_URL (http://127.0.0.1:8000, https://api-sg.aliexpress.com)")
    if not app_key or not app_secret:
        fail("no credentials: give --app-key and set DSORDERS_APP_SECRET (or --app-secret)")
    params = parse_params(param or [])
    try:
        with Client(app_key, app_secret, base_url=url, access_token=access_token, max_retries=retries,
                    simplify=not wrapped) as client:  # fmt: skip
            reply = client.call(method, params)
    except ApiError as error:
        _show(error.body, as_json)
        fail(str(error))
    except (DsOrdersError, ValueError) as error:
        fail(str(error))
    _show(reply, as_json)


def _show(reply: Any, as_json: bool) -> None:
    if as_json:
        print_json(reply)
    elif reply is not None:
        console.print_json(data=reply)
    else:
        err_console.print("(no reply body)")
