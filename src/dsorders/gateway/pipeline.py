"""The ordered checks of PROTOCOL.md section 4, one pipeline; the first failing check answers."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from ..methods import Call, Method
from ..networks import Network, contains, parse_networks
from ..protocol import shapes, signing
from ..protocol.errors import ProtocolError, invalid_parameter
from ..protocol.timestamps import parse_timestamp, within_window
from ..settings import Settings
from ..store import App, NotFoundError, Store, StoredOrder, StoreUnavailableError, TokenAuth, hash_secret
from ..store.base import DocKind
from .ratelimit import RateLimiter

Clock = Callable[[], float]
_SIGN_METHODS = frozenset(signing.SIGN_METHODS)


class AppCache:
    """Apps by key, kept for `ttl` seconds (unknown keys too), so a call reads no app row.

    A change made by another process (the CLI) shows within `ttl`; one made through
    `invalidate` shows at once.
    """

    MAX_ENTRIES = 10_000

    def __init__(self, store: Store, ttl: float) -> None:
        self._store = store
        self._ttl = ttl
        self._entries: dict[str, tuple[float, App | None]] = {}

    async def get(self, app_key: str) -> App | None:
        now = time.monotonic()
        entry = self._entries.get(app_key)
        if entry is not None and entry[0] > now:
            return entry[1]
        try:
            app: App | None = await self._store.get_app(app_key)
        except NotFoundError:
            app = None
        if len(self._entries) >= self.MAX_ENTRIES:
            self._entries.clear()
        self._entries[app_key] = (now + self._ttl, app)
        return app

    def invalidate(self, app_key: str | None = None) -> None:
        if app_key is None:
            self._entries.clear()
        else:
            self._entries.pop(app_key, None)


class _Networks:
    """Parsed IP allow-lists, by the list's text."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, ...], tuple[Network, ...]] = {}

    def allows(self, allowlist: tuple[str, ...], client_ip: str) -> bool:
        networks = self._cache.get(allowlist)
        if networks is None:
            networks = self._cache[allowlist] = parse_networks(allowlist)
        return contains(networks, client_ip)


class Pipeline:
    def __init__(
        self,
        *,
        settings: Settings,
        store: Store,
        methods: Mapping[str, Method],
        limiter: RateLimiter,
        clock: Clock,
    ) -> None:
        self.settings = settings
        self.store = store
        self.methods = methods
        self.limiter = limiter
        self.clock = clock
        self.apps = AppCache(store, settings.app_cache_ttl)
        self._networks = _Networks()

    async def run(
        self,
        *,
        system: bool,
        path_api: str | None,
        params: Mapping[str, str],
        shape: shapes.Shape,
        client_ip: str,
        http_method: str,
    ) -> tuple[str, bytes | dict[str, object]]:
        """Check a call and run its method: (api name, encoded result or flat fields)."""
        # 1-4: format, method, endpoint.
        fmt = params.get("format")
        if fmt is not None and fmt != "json":
            raise ProtocolError("InvalidFormat")
        api_name = path_api or params.get("method")
        if not api_name:
            raise ProtocolError("MissingMethod")
        method = self.methods.get(api_name)
        if method is None and path_api:
            # /rest/aliexpress.trade.ds.order.get names a business method on the wrong endpoint.
            method = self.methods.get(path_api.lstrip("/"))
        if method is None:
            raise ProtocolError("InvalidMethod")
        if method.system != system:
            raise ProtocolError("InvalidApiPath")
        # 5-7: the app.
        app_key = params.get("app_key")
        if not app_key:
            raise ProtocolError("MissingAppKey")
        try:
            app = await self.apps.get(app_key)
        except StoreUnavailableError:
            raise ProtocolError("isp.service-unavailable") from None
        if app is None or not app.enabled:
            raise ProtocolError("InvalidAppKey")
        if app.ip_allowlist and not self._networks.allows(app.ip_allowlist, client_ip):
            raise ProtocolError("AppWhiteIpLimit")
        # 8-12: timestamp and signature.
        now = self.clock()
        now_ms = int(now * 1000)
        timestamp = params.get("timestamp")
        if not timestamp:
            raise ProtocolError("MissingTimestamp")
        timestamp_ms = parse_timestamp(timestamp)
        if timestamp_ms is None or not within_window(timestamp_ms, now_ms):
            raise ProtocolError("InvalidTimestamp")
        signature = params.get("sign")
        if not signature:
            raise ProtocolError("MissingSignature")
        sign_method = params.get("sign_method", signing.DEFAULT_SIGN_METHOD)
        if sign_method not in _SIGN_METHODS:
            raise ProtocolError("InvalidSignMethod")
        if not signing.verify(params, app.app_secret, signature, sign_method, api_name):
            raise ProtocolError("IncompleteSignature")
        # 13: the rate, after the signature, so nobody spends another app's quota.
        if not await self.limiter.allow(app.app_key, app.rate_limit, now):
            raise ProtocolError("ApiCallLimit")
        # 16-17, the method's parameter checks, are pure: run them now, answer them after the
        # token's checks; knowing the order first lets one store read fetch token and order.
        param_error: ProtocolError | None = None
        try:
            args = method.parse(params)
        except ProtocolError as error:
            args, param_error = None, error
        prefetch = method.prefetch(args, shape) if method.prefetch and param_error is None else None
        # 14-15: the token.
        token, order = await self._token(params, app, now_ms, prefetch) if method.needs_token else (None, None)
        # After the app is authenticated, before the method's parameter errors (checks 16-17).
        if http_method not in method.http_methods:
            allowed = " or ".join(sorted(method.http_methods))
            raise invalid_parameter("method", f"{api_name} must be sent with HTTP {allowed}, not {http_method}")
        if param_error is not None:
            raise param_error
        call = Call(api_name, params, app, token, shape, self.store, self.settings, now_ms, client_ip,
                    order=order)  # fmt: skip
        return api_name, await method.run(call, args)

    async def _token(
        self, params: Mapping[str, str], app: App, now_ms: int, prefetch: tuple[int, DocKind] | None
    ) -> tuple[TokenAuth, StoredOrder | None]:
        session = params.get("session")
        access_token = params.get("access_token")
        if session and access_token and session != access_token:
            raise invalid_parameter("access_token", "session and access_token are both given, with different values")
        value = session or access_token
        if not value:
            raise ProtocolError("MissingAccessToken")
        order = None
        try:
            if prefetch is None:
                token = await self.store.get_token_auth(hash_secret(value))
            else:
                token, order = await self.store.get_token_and_order(hash_secret(value), *prefetch)
        except NotFoundError:
            raise ProtocolError("IllegalAccessToken") from None
        except StoreUnavailableError:
            raise ProtocolError("isp.service-unavailable") from None
        if token.revoked or token.expires_at <= now_ms or token.app_key != app.app_key:
            raise ProtocolError("IllegalAccessToken")
        return token, order
