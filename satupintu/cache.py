"""The default cache's Redis backend: Django's, with one Redis client per connection pool.

Django's backend builds a new ``redis.Redis`` for every cache call, and building one (its table
of response callbacks) costs more than a round trip to a local Redis; a busy path (an API
token, a full slot) calls the cache on every request. A client over a pool is safe to reuse:
the pool hands each call its own connection, and Django keeps one backend per thread.
"""

from typing import Any

from django.core.cache.backends import redis


class _ReusingClient(redis.RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        # The stubs leave out the client's private members, which get_client of Django uses.
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client


class RedisCache(redis.RedisCache):
    """Django's RedisCache (``CACHE_URL=redis://...``), reusing its clients."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _ReusingClient
