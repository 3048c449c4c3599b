"""The private storage (``STORAGES["private"]``): files that only some people may read,
served through views that check who asks, never from a public URL."""

from typing import cast

from django.core.files.storage import Storage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty


class PrivateStorage(LazyObject):
    """Resolved on first use and again whenever STORAGES changes (tests move it to a tmp
    folder), unlike a storage a model field would otherwise keep from import time."""

    _wrapped: Storage | object  # the storage, or ``empty`` until first use

    def _setup(self) -> None:
        self._wrapped = storages["private"]


_lazy_private = PrivateStorage()
private = cast(Storage, _lazy_private)  # the lazy object stands in for the storage it wraps


@receiver(setting_changed)
def _storages_changed(*, setting: str, **kwargs: object) -> None:
    if setting == "STORAGES":
        _lazy_private._wrapped = empty
