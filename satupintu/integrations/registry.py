"""Which providers exist for each kind of outside system, and what each outbox operation does.

An app that talks to an outside system registers its providers and operations when it is
loaded (its AppConfig.ready), like Open Forms' plugins::

    @operation("oss.receiveLicenseStatus")
    def send(call: OutboundCall) -> dict[str, Any]: ...
"""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise

if TYPE_CHECKING:
    from satupintu.integrations.models import OutboundCall

Operation = Callable[["OutboundCall"], dict[str, Any]]
Hook = Callable[["OutboundCall"], None]

_providers: dict[str, dict[str, str | Promise]] = {}
_operations: dict[str, Operation] = {}
_done: dict[str, list[Hook]] = {}
_failed: dict[str, list[Hook]] = {}


class CallFailed(Exception):
    """An outside system refused a call, or did not answer.

    ``retry``: whether trying again later may help (an outage) or not (a refusal).
    ``unknown_outcome``: no answer came after the request was sent (a timeout), so the call may
    have been carried out: a call that must not be made twice is then held for a person.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        answer: str = "",
        retry: bool = True,
        unknown_outcome: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.answer = answer
        self.retry = retry
        self.unknown_outcome = unknown_outcome


def register_provider(kind: str, key: str, label: str | Promise) -> None:
    _providers.setdefault(kind, {})[key] = label


def providers(kind: str) -> dict[str, str | Promise]:
    return dict(_providers.get(kind, {}))


def all_providers() -> list[tuple[str, str | Promise]]:
    return sorted(
        ((key, label) for by_key in _providers.values() for key, label in by_key.items()),
        key=lambda item: item[0],
    )


def operation(name: str) -> Callable[[Operation], Operation]:
    def register(function: Operation) -> Operation:
        _operations[name] = function
        return function

    return register


def operation_for(name: str) -> Operation | None:
    return _operations.get(name)


def on_done(name: str) -> Callable[[Hook], Hook]:
    def register(function: Hook) -> Hook:
        _done.setdefault(name, []).append(function)
        return function

    return register


def on_failed(name: str) -> Callable[[Hook], Hook]:
    def register(function: Hook) -> Hook:
        _failed.setdefault(name, []).append(function)
        return function

    return register


def done_hooks(name: str) -> list[Hook]:
    return list(_done.get(name, []))


def failed_hooks(name: str) -> list[Hook]:
    return list(_failed.get(name, []))
