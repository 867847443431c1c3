"""Headstart's platform: settings, storage, accounts, embeddings and search.

Layer 0: it knows nothing of the library or of matching (an import-linter contract in
pyproject.toml checks it). Nothing here imports Flask, touches a database or loads a
model at import time, so the CLI, the web app, the benchmarks and the tests share it.
"""
