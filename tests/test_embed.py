"""The Encoder's cache: each distinct text is encoded once per model, across restarts."""

from __future__ import annotations

import numpy as np
import pytest

from core.embeddings.encoder import Encoder
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
