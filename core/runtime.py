"""The long-lived pieces one process needs, built lazily from Settings.

The CLI, the web app and the benchmarks each hold one Runtime: one database engine, one
Encoder (so the model is loaded once) and one open search index per collection.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cached_property

from sqlalchemy.engine import Engine

from core.config import Settings
from core.db import create_schema, make_engine
from core.embeddings.encoder import CompositeEncoder, Encoder, make_encoder
from core.process_cache import ProcessCache
from core.search import factory as search_factory
from core.search.base import SearchIndex


class Runtime:
    def __init__(self, settings: Settings, *, encoder: Encoder | CompositeEncoder | None = None) -> None:
        self.settings = settings
        self._encoder = encoder
        self._indexes: dict[str, SearchIndex] = {}
        self._lock = threading.Lock()
        # Small derived data that services keep per process (with their own invalidation);
        # each entry says whether it may hold personal data (erasure drops those).
        self.caches = ProcessCache()

    @cached_property
    def engine(self) -> Engine:
        self.settings.ensure_data_dir()
        return make_engine(self.settings.database_url)

    def init_database(self) -> None:
        create_schema(self.engine)

    @property
    def encoder(self) -> Encoder | CompositeEncoder:
        if self._encoder is None:
            self._encoder = make_encoder(
                self.settings.embedding_model, self.settings.multilingual_model, engine=self.engine
            )
        return self._encoder

    def index(self, name: str) -> SearchIndex:
        with self._lock:
            index = self._indexes.get(name)
            if index is None:
                index = search_factory.open_index(self.settings, name, self.encoder)
                self._indexes[name] = index
            return index

    @contextmanager
    def indexes_standing_in(self, stand_ins: Mapping[str, SearchIndex]) -> Iterator[None]:
        """Serve `stand_ins` as the named indexes while the block runs, then the real ones again.

        A rebuild that swaps a whole new index in (Elasticsearch) runs the ordinary
        indexing code against a collector standing in for the live index, which keeps
        serving searches from other processes until the swap.
        """
        with self._lock:
            saved = {name: self._indexes.get(name) for name in stand_ins}
            self._indexes.update(stand_ins)
        try:
            yield
        finally:
            with self._lock:
                for name, index in saved.items():
                    if index is None:
                        self._indexes.pop(name, None)
                    else:
                        self._indexes[name] = index

    def close(self) -> None:
        for index in self._indexes.values():
            close = getattr(index, "close", None)
            if close:
                close()
        self._indexes.clear()
        if "engine" in self.__dict__:
            self.engine.dispose()
