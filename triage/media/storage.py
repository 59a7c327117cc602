"""Which media store this process uses: the folder, or the object store the settings name."""

from __future__ import annotations

import threading

from triage.config import Settings
from triage.media.files import LocalFiles, MediaStore
from triage.media.object_store import ObjectStore

_stores: dict[tuple[str | None, ...], MediaStore] = {}
_stores_lock = threading.Lock()


def store_for(settings: Settings) -> MediaStore:
    """The media store the settings name, made once per process (an object-store client holds
    its connection pool)."""
    key = (
        settings.media_store,
        settings.media_s3_endpoint,
        settings.media_s3_region,
        settings.media_s3_access_key,
        str(settings.media_root),
    )
    with _stores_lock:
        if key not in _stores:
            if settings.media_store:
                _stores[key] = ObjectStore.from_settings(settings)
            else:
                _stores[key] = LocalFiles(settings.media_root)
        return _stores[key]
