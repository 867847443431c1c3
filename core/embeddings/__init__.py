"""Sentence embeddings: the cached Encoder (encoder), the backends by model name
(registry) and the multilingual Universal Sentence Encoder backend (use_backend)."""
