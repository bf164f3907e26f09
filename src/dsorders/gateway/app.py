"""The ASGI application: routes, bodies, answers. The only place that knows ASGI."""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any

import msgspec

from ..methods import Method, default_methods
from ..oauth import AuthorizeApp
from ..protocol import params as wire
from ..protocol import shapes
from ..protocol.errors import ProtocolError
from ..settings import Settings
from ..store import Store, StoreRefusedError, StoreUnavailableError, make_store
from .pipeline import Clock, Pipeline
from .proxies import TrustedProxies
from .ratelimit import LocalRateLimiter, RateLimiter, RedisRateLimiter
from .requestid import RequestIds

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger("dsorders.gateway")

_JSON = shapes.CONTENT_TYPE
_encode = msgspec.json.encode


class _BodyTooLarge(Exception):
    pass


class _Disconnected(Exception):
    pass


async def _read_body(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Disconnected
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _respond(send: Send, status: int, body: bytes, request_id: str | None = None,
                   extra: tuple[tuple[bytes, bytes], ...] = ()) -> None:  # fmt: skip
    headers = [(b"content-type", _JSON), (b"content-length", str(len(body)).encode()), *extra]
    if request_id is not None:
        headers.append((b"x-request-id", request_id.encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class Gateway:
    """Serves /sync, /rest and /rest/<path>, /healthz, and any mounted routes (OAuth pages)."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        *,
        clock: Clock = time.time,
        limiter: RateLimiter | None = None,
        methods: Mapping[str, Method] | None = None,
        mounts: Mapping[str, ASGIApp] | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.limiter = limiter or LocalRateLimiter()
        self.pipeline = Pipeline(
            settings=settings,
            store=store,
            methods=methods if methods is not None else default_methods(),
            limiter=self.limiter,
            clock=clock,
        )
        self.mounts = dict(mounts or {})
        self.request_ids = RequestIds()
        self.proxies = TrustedProxies(settings.trusted_proxies) if settings.trusted_proxies else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope if self.proxies is None else self.proxies.resolve(scope), receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)

    async def startup(self) -> None:
        try:
            await self.store.open()
        except StoreUnavailableError as exc:
            if not self.store.reconnects or isinstance(exc, StoreRefusedError):
                raise
            # Serve anyway: calls answer isp.service-unavailable until the database is back.
            log.warning("the database is unavailable at startup, serving until it is back: %s", exc)
        # What start-up built lives as long as the process: keep it out of every garbage collection.
        gc.collect()
        gc.freeze()

    async def shutdown(self) -> None:
        await self.limiter.close()
        await self.store.close()

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.startup()
                except Exception as exc:
                    log.exception("startup failed")
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        if path == "/sync":
            await self._api(scope, receive, send, system=False, path_api=None)
        elif path == "/rest":
            await self._api(scope, receive, send, system=True, path_api=None)
        elif path.startswith("/rest/"):
            await self._api(scope, receive, send, system=True, path_api=path[5:])
        elif path == "/healthz":
            await self._health(send)
        else:
            for prefix, app in self.mounts.items():
                if path == prefix or path.startswith(prefix + "/"):
                    await app(scope, receive, send)
                    return
            await _respond(send, 404, b'{"error":"not found","paths":["/sync","/rest","/healthz"]}')

    async def _health(self, send: Send) -> None:
        try:
            await self.store.ping()
        except StoreUnavailableError:
            await _respond(send, 503, b'{"status":"unavailable","store":"unavailable"}')
            return
        await _respond(send, 200, b'{"status":"ok","store":"ok"}')

    async def _api(self, scope: Scope, receive: Receive, send: Send, *, system: bool, path_api: str | None) -> None:
        request_id = self.request_ids.next()
        http_method = scope["method"]
        if http_method not in ("GET", "POST"):
            body = _encode({"error": "method not allowed", "allow": ["GET", "POST"], "request_id": request_id})
            await _respond(send, 405, body, request_id, ((b"allow", b"GET, POST"),))
            return
        content_type = ""
        declared = 0
        for name, value in scope["headers"]:
            if name == b"content-type":
                content_type = value.decode("latin-1")
            elif name == b"content-length":
                declared = int(value) if value.isdigit() else 0
        query = wire.parse_urlencoded(scope["query_string"])
        # The shape errors take before the body is read: what the query string asks for.
        shape: shapes.Shape = "flat" if system else ("streamlined" if ("simplify", "true") in query else "wrapped")
        try:
            if declared > self.settings.max_body:
                raise _BodyTooLarge
            body = await _read_body(receive, self.settings.max_body) if http_method == "POST" else b""
        except _BodyTooLarge:
            error = ProtocolError("RequestTooLarge", limit=self.settings.max_body)
            await _respond(send, 413, shapes.render_error(error, shape, request_id), request_id)
            return
        except _Disconnected:
            return
        try:
            params = wire.merge(query, wire.parse_body(body, content_type)) if body else wire.merge(query)
            shape = shapes.shape_for(params, system=system)
            client = scope.get("client")
            api_name, result = await self.pipeline.run(
                system=system,
                path_api=path_api,
                params=params,
                shape=shape,
                client_ip=client[0] if client else "",
                http_method=http_method,
            )
            if isinstance(result, bytes):
                answer = shapes.render_result(result, shape, request_id, api_name)
            else:
                answer = shapes.render_flat(result, request_id)
        except ProtocolError as error:
            answer = shapes.render_error(error, shape, request_id)
        except Exception:
            log.exception("internal error in request %s", request_id)
            answer = shapes.render_error(ProtocolError("InternalError"), shape, request_id)
        await _respond(send, 200, answer, request_id)


def create_app(settings: Settings | None = None, **options: Any) -> Gateway:
    """A gateway over the store that `settings.db` names (the environment's settings by default).

    The OAuth pages are mounted at /oauth, over the same store and clock. With `settings.redis`
    the call-rate limits are shared through Redis; without it each process limits on its own.
    """
    settings = settings or Settings.from_env()
    store = make_store(settings.db, deadline=settings.store_deadline, pool_size=settings.pool_size)
    if settings.redis and "limiter" not in options:
        options["limiter"] = RedisRateLimiter(settings.redis)
    mounts = {"/oauth": AuthorizeApp(store, clock=options.get("clock", time.time)), **options.pop("mounts", {})}
    return Gateway(settings, store, mounts=mounts, **options)
