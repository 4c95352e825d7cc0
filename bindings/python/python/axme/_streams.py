"""Iterators over the native event streams of ``observe`` and ``listen``."""

from __future__ import annotations

import json
from types import TracebackType
from typing import Generic, Optional, Type, TypeVar, cast

from ._native import NativeStream

T = TypeVar("T")

__all__ = ["EventIterator", "AsyncEventIterator"]


class EventIterator(Generic[T]):
    """A blocking iterator of events (dicts).

    Each ``next()`` waits with the GIL released and checks for Ctrl-C every few milliseconds, so
    a ``KeyboardInterrupt`` arrives promptly and leaves the iterator usable. ``close()`` (or
    leaving a ``with`` block) stops the stream and closes its connection; iteration then ends
    cleanly. An error ends the iteration after it is raised.
    """

    __slots__ = ("_stream", "__weakref__")

    def __init__(self, stream: NativeStream) -> None:
        self._stream = stream

    def __iter__(self) -> "EventIterator[T]":
        return self

    def __next__(self) -> T:
        item = self._stream.next()
        if item is None:
            raise StopIteration
        return cast(T, json.loads(item))

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._stream.closed

    def close(self) -> None:
        """Stop the stream; a pending or later ``next()`` ends the iteration."""
        self._stream.close()

    def __enter__(self) -> "EventIterator[T]":
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()

    def __del__(self) -> None:
        stream = getattr(self, "_stream", None)
        if stream is not None:
            stream.close()


class AsyncEventIterator(Generic[T]):
    """An async iterator of events (dicts), for ``async for``.

    Cancelling the task that awaits the next event cancels only that wait (the stream stays
    usable); ``aclose()``/``close()`` (or leaving an ``async with`` block) stops the stream and
    closes its connection.
    """

    __slots__ = ("_stream", "__weakref__")

    def __init__(self, stream: NativeStream) -> None:
        self._stream = stream

    def __aiter__(self) -> "AsyncEventIterator[T]":
        return self

    async def __anext__(self) -> T:
        item = await self._stream.anext()
        if item is None:
            raise StopAsyncIteration
        return cast(T, json.loads(item))

    @property
    def closed(self) -> bool:
        """Whether the iterator was closed."""
        return self._stream.closed

    def close(self) -> None:
        """Stop the stream; a pending or later wait ends the iteration."""
        self._stream.close()

    async def aclose(self) -> None:
        """Async spelling of :meth:`close`."""
        self._stream.close()

    async def __aenter__(self) -> "AsyncEventIterator[T]":
        return self

    async def __aexit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()

    def __del__(self) -> None:
        stream = getattr(self, "_stream", None)
        if stream is not None:
            stream.close()
