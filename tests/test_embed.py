"""The Encoder's cache: each distinct text is encoded once per model, across restarts."""

from __future__ import annotations

import numpy as np
import pytest

from core.embeddings import registry
from core.embeddings.encoder import Encoder
from core.errors import HeadstartError
from tests.fakes import FAKE_MODEL_NAME, HashingBackend


def test_unchanged_texts_are_never_encoded_twice(engine):
    backend = HashingBackend()
    encoder = Encoder(FAKE_MODEL_NAME, engine=engine, backend=backend)
    first = encoder.encode(["welder", "nurse", "welder"])
    assert encoder.texts_encoded == 2
    assert np.allclose(first[0], first[2])

    restarted = Encoder(FAKE_MODEL_NAME, engine=engine, backend=HashingBackend())
    again = restarted.encode(["nurse", "welder", "cook"])
    assert restarted.texts_encoded == 1  # only "cook" is new
    assert np.allclose(again[1], first[0])


def test_cache_is_kept_per_model(engine):
    Encoder(FAKE_MODEL_NAME, engine=engine, backend=HashingBackend()).encode(["welder"])
    other = Encoder("another-model", engine=engine, backend=HashingBackend(name="another-model"))
    other.encode(["welder"])
    assert other.texts_encoded == 1


def test_vectors_are_unit_length_float32(fake_encoder):
    vectors = fake_encoder.encode(["a b c", "d"])
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_batches_and_progress(engine):
    backend = HashingBackend()
    encoder = Encoder(FAKE_MODEL_NAME, engine=engine, backend=backend, batch_size=10)
    seen = []
    encoder.encode([f"text {i}" for i in range(25)], progress=seen.append)
    assert backend.calls == 3
    assert sum(seen) == 25


def test_empty_input_gives_an_empty_matrix(fake_encoder):
    assert fake_encoder.encode([]).shape == (0, 256)


@pytest.mark.slow
def test_real_model_puts_related_titles_closer_than_unrelated(real_encoder):
    welder, metal, nurse = real_encoder.encode(["welder", "metal worker who joins steel parts", "nurse"])
    assert float(welder @ metal) > float(welder @ nurse)
    assert real_encoder.dimension == 384


def test_unknown_model_gives_a_clear_error(tmp_path):
    from core.embeddings.registry import SentenceTransformerBackend
    from core.errors import HeadstartError

    with pytest.raises(HeadstartError, match="could not be loaded"):
        SentenceTransformerBackend(str(tmp_path / "no-such-model"))


def test_cached_texts_and_the_dimension_need_no_model(engine):
    """A new worker whose texts are all cached answers without loading the model (seconds)."""
    Encoder(FAKE_MODEL_NAME, engine=engine, backend=HashingBackend()).encode(["welder", "nurse"])
    fresh = Encoder(FAKE_MODEL_NAME, engine=engine)
    assert fresh.encode(["nurse", "welder"]).shape == (2, 256)
    assert fresh.dimension == 256
    assert not fresh.loaded and fresh.texts_encoded == 0


def test_product_queries_persist_and_personal_queries_do_not(engine):
    first = Encoder(FAKE_MODEL_NAME, engine=engine, backend=HashingBackend())
    first.encode_query("language training before departure", persist=True)
    first.encode_query("my own words about my job")
    fresh = Encoder(FAKE_MODEL_NAME, engine=engine, backend=HashingBackend())
    fresh.encode_query("language training before departure", persist=True)
    assert fresh.texts_encoded == 0
    fresh.encode_query("my own words about my job", persist=True)
    assert fresh.texts_encoded == 1  # the person's query was never written to the database


def test_a_different_model_under_a_cached_name_is_refused_clearly(engine):
    registry.register_backend("resized-model", lambda name: HashingBackend(name, dimension=64))
    Encoder("resized-model", engine=engine, backend=HashingBackend("resized-model")).encode(["welder"])
    resized = Encoder("resized-model", engine=engine)  # the cache says 256; the model now gives 64
    assert resized.dimension == 256
    with pytest.raises(HeadstartError, match="different model"):
        resized.encode(["something new"])
