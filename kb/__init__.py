"""Headstart's knowledge-base engine: settings, storage, embeddings and search.

Nothing here imports Flask, touches a database or loads a model at import time, so the
CLI, the web app, the benchmarks and the tests all share the same pieces.
"""
