"""GET and POST /oauth/authorize: the page, its refusals, CSRF, clickjacking headers, allow and deny."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from dsorders import admin
from dsorders.gateway import Gateway
from dsorders.oauth import AuthorizeApp
from dsorders.oauth.app import WRONG_PASSWORD
from dsorders.oauth.attempts import SignInAttempts
from dsorders.settings import Settings
from dsorders.store import Store

from ..conftest import VECTOR_NOW_MS, Clock, World
from .conftest import PASSWORD, REDIRECT_URI, authorize_query, form_fields

pytestmark = pytest.mark.anyio


async def _page(web: httpx.AsyncClient, **changes: str | None) -> tuple[httpx.Response, dict[str, str]]:
    response = await web.get("/oauth/authorize", params=authorize_query(**changes))
    return response, form_fields(response.text)


async def _post(web: httpx.AsyncClient, fields: dict[str, str], **extra: str) -> httpx.Response:
    return await web.post("/oauth/authorize", data={**fields, **extra})


def _redirect_query(response: httpx.Response) -> dict[str, list[str]]:
    assert response.status_code == 303, response.text
    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == "https://app.example/callback"
    return parse_qs(location.query)


async def test_page_names_the_app_and_what_it_will_read(web: httpx.AsyncClient) -> None:
    response, fields = await _page(web)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "conformance" in response.text and "your orders" in response.text and "app.example" in response.text
    assert fields["client_id"] == "34567890" and fields["redirect_uri"] == REDIRECT_URI and fields["csrf"]
    assert "<script" not in response.text and 'name="password"' in response.text


async def test_every_page_refuses_framing(web: httpx.AsyncClient) -> None:
    for response in ((await _page(web))[0], (await _page(web, client_id="1"))[0], await web.get("/oauth/nope")):
        assert response.headers["x-frame-options"] == "DENY"
        csp = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp
        assert response.headers["cache-control"] == "no-store"


async def test_page_sets_an_httponly_samesite_csrf_cookie(web: httpx.AsyncClient) -> None:
    response, _ = await _page(web)
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("dsorders_oauth=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie


async def test_everything_printed_is_escaped(web: httpx.AsyncClient, world: World) -> None:
    app = await admin.create_app(world.store, name='<script>alert("x")</script>', now=VECTOR_NOW_MS, app_key="777")
    response, fields = await _page(web, client_id=app.app_key, state='"><img src=x onerror=alert(1)>')
    assert response.status_code == 200
    assert "<script>" not in response.text and "<img" not in response.text
    assert "&lt;script&gt;" in response.text
    assert fields["state"] == '"><img src=x onerror=alert(1)>'


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"client_id": "99999999"}, "No enabled app has this client_id"),
        ({"client_id": None}, "client_id is missing"),
        ({"response_type": "token"}, "response_type must be code"),
        ({"response_type": None}, "response_type must be code"),
        ({"redirect_uri": None}, "redirect_uri is missing"),
        ({"redirect_uri": "/relative/path"}, "absolute http"),
        ({"redirect_uri": "javascript:alert(1)"}, "absolute http"),
        ({"redirect_uri": "ftp://app.example/cb"}, "absolute http"),
        ({"redirect_uri": "https:///no-host"}, "absolute http"),
        ({"redirect_uri": "https://app.example/cb#frag"}, "fragment"),
        ({"redirect_uri": "https://user@app.example/cb"}, "user name"),
        ({"redirect_uri": "https://app.example:99999/cb"}, "not a valid URL"),
        ({"redirect_uri": "https://app.example/a b"}, "printable ASCII"),
        ({"state": None}, "state is missing"),
    ],
)
async def test_a_malformed_request_is_an_error_page_never_a_redirect(
    web: httpx.AsyncClient, changes: dict[str, str | None], says: str
) -> None:
    response, _ = await _page(web, **changes)
    assert response.status_code == 400 and "location" not in response.headers
    assert says in response.text


async def test_a_disabled_app_is_an_error_page(web: httpx.AsyncClient, world: World) -> None:
    await world.store.update_app(world.app.app_key, enabled=False)
    response, _ = await _page(web)
    assert response.status_code == 400 and "No enabled app" in response.text


async def test_repeated_parameter_with_two_values_is_an_error_page(web: httpx.AsyncClient) -> None:
    response = await web.get("/oauth/authorize?response_type=code&state=a&state=b&client_id=34567890")
    assert response.status_code == 400 and "location" not in response.headers


async def test_allow_redirects_with_a_code_and_the_state(web: httpx.AsyncClient, signed_in: str) -> None:
    _, fields = await _page(web, state="st&te=1")
    response = await _post(web, fields, login=signed_in, password=PASSWORD, action="allow")
    query = _redirect_query(response)
    assert query["from"] == ["test"] and query["state"] == ["st&te=1"]
    assert query["code"][0].startswith("3_34567890_") and len(query["code"][0]) == len("3_34567890_") + 24


async def test_deny_redirects_with_access_denied_without_signing_in(web: httpx.AsyncClient) -> None:
    _, fields = await _page(web)
    query = _redirect_query(await _post(web, fields, action="deny"))
    assert query["error"] == ["access_denied"] and query["state"] == ["s-1"] and "code" not in query


async def test_wrong_password_and_unknown_login_show_the_same_message(web: httpx.AsyncClient, signed_in: str) -> None:
    _, fields = await _page(web)
    answers = [
        await _post(web, fields, login=signed_in, password="wrong password", action="allow"),
        await _post(web, fields, login="nobody-here", password="wrong password", action="allow"),
        await _post(web, fields, login="ds-bob", password="has no password yet", action="allow"),
    ]
    for response in answers:
        assert response.status_code == 200 and "location" not in response.headers
        assert WRONG_PASSWORD in response.text and "csrf" in form_fields(response.text)
    # The form shown again works.
    retry = await _post(web, form_fields(answers[0].text), login=signed_in, password=PASSWORD, action="allow")
    assert "code" in _redirect_query(retry)


async def test_post_without_the_cookie_is_refused(web: httpx.AsyncClient, signed_in: str) -> None:
    _, fields = await _page(web)
    web.cookies.clear()
    response = await _post(web, fields, login=signed_in, password=PASSWORD, action="allow")
    assert response.status_code == 403 and "location" not in response.headers
    assert "start again" in response.text


async def test_post_with_a_token_of_another_cookie_is_refused(web: httpx.AsyncClient, signed_in: str) -> None:
    _, fields = await _page(web)
    web.cookies.clear()
    web.cookies.set("dsorders_oauth", "B" * 32)
    response = await _post(web, fields, login=signed_in, password=PASSWORD, action="allow")
    assert response.status_code == 403


async def test_csrf_token_is_bound_to_the_form(web: httpx.AsyncClient, signed_in: str) -> None:
    _, fields = await _page(web)
    for name, value in (("state", "another"), ("redirect_uri", "https://evil.example/cb"), ("csrf", "1.abc")):
        response = await _post(web, {**fields, name: value}, login=signed_in, password=PASSWORD, action="allow")
        assert response.status_code == 403, name


async def test_form_expires_after_30_minutes(web: httpx.AsyncClient, clock: Clock, signed_in: str) -> None:
    _, fields = await _page(web)
    clock.now += 31 * 60
    response = await _post(web, fields, login=signed_in, password=PASSWORD, action="allow")
    assert response.status_code == 403


async def test_post_without_an_action_is_an_error_page(web: httpx.AsyncClient) -> None:
    _, fields = await _page(web)
    response = await _post(web, fields)
    assert response.status_code == 400 and "Allow or Deny" in response.text


async def test_other_methods_and_paths(web: httpx.AsyncClient) -> None:
    assert (await web.put("/oauth/authorize")).status_code == 405
    assert (await web.get("/oauth/elsewhere")).status_code == 404


async def test_callback_page_shows_the_code_escaped(web: httpx.AsyncClient) -> None:
    response = await web.get("/oauth/callback", params={"code": "<b>3_1_x</b>", "state": "s"})
    assert response.status_code == 200 and "&lt;b&gt;3_1_x&lt;/b&gt;" in response.text


async def test_failed_sign_ins_past_the_limit_are_refused_before_the_password_is_checked(
    store: Store, world: World, clock: Clock, signed_in: str
) -> None:
    attempts = SignInAttempts(login_failures=3, address_failures=5, window_s=600)
    gateway = Gateway(Settings(db="unused.db"), store, clock=clock,
                      mounts={"/oauth": AuthorizeApp(store, clock=clock, attempts=attempts)})  # fmt: skip
    transport = httpx.ASGITransport(app=gateway, client=("198.51.100.9", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as web:
        _, fields = await _page(web)
        for _ in range(3):
            wrong = await _post(web, fields, login=signed_in.upper(), password="wrong password", action="allow")
            assert wrong.status_code == 200 and WRONG_PASSWORD in wrong.text
        # Even the right password is refused now, for that login (whatever its case).
        refused = await _post(web, form_fields(wrong.text), login=signed_in, password=PASSWORD, action="allow")
        assert refused.status_code == 429 and "Try again in 10 minute(s)" in refused.text
        assert "csrf" in form_fields(refused.text) and "location" not in refused.headers
        # Other logins from the same address keep their own count, up to the address's limit.
        for login in ("nobody-1", "nobody-2"):
            assert (await _post(web, fields, login=login, password="x" * 8, action="allow")).status_code == 200
        assert (await _post(web, fields, login="nobody-3", password="x" * 8, action="allow")).status_code == 429
        # Once the window has passed, the right password signs in and clears the login's count.
        clock.now += 601
        _, fields = await _page(web)
        assert "code" in _redirect_query(await _post(web, fields, login=signed_in, password=PASSWORD, action="allow"))


def test_attempts_forget_failures_outside_the_window() -> None:
    attempts = SignInAttempts(login_failures=2, address_failures=100, window_s=60)
    attempts.failed("alice", "192.0.2.1", now=0)
    attempts.failed("alice", "192.0.2.1", now=30)
    assert attempts.retry_after("ALICE", "192.0.2.7", now=31) == 29  # the first failure ends its minute at 60
    assert attempts.retry_after("alice", "192.0.2.7", now=60) == 0
    attempts.failed("bob", "192.0.2.1", now=61)
    attempts.succeeded("Bob")
    assert attempts.retry_after("bob", "192.0.2.9", now=62) == 0
