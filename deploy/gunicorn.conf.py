"""Gunicorn settings for the Headstart image (read with `gunicorn -c`), sized for a small host.

Every value can be changed from the environment without rebuilding the image.

Why few workers and several threads: each worker process loads its own copy of the two
embedding models (all-MiniLM-L6-v2 and multilingual USE: about 700 MiB resident
together, measured in bench/README.md) and, once a matching page is opened, its own
VacancyPool (all open vacancies as arrays; see README, Sizing). Memory, not CPU, limits
the worker count. Threads (gthread) serve concurrent requests inside one worker; the
heavy parts (numpy, torch, SQL) release the GIL.

A rule of thumb: GUNICORN_WORKERS = 1 per 1.5 GB of RAM you can give the app (after
PostgreSQL and Elasticsearch), at most the number of cores; GUNICORN_THREADS = 4.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
# The first request of a worker may load the models (several seconds on a small CPU) and
# its first matching request builds the VacancyPool from the database (measured 0.15-0.21 ms
# per open vacancy on a quiet machine, 0.45-0.65 ms under load: ~8-30 s at 50,000; the
# README, section Sizing): the default 30 s is too short. After that, a matching request
# that finds vacancies changed only refreshes the pool row by row (~130 ms at 100,000).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
# Longer than any client or proxy keeps an idle connection before reusing it: a server
# that closes first races the client's next request, which then fails with "connection
# reset by peer" (seen in the load test with 2 s: 12 of 1,578 requests).
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "75"))
# No preloading: the models load lazily in each worker (forking a process that already
# runs torch threads is unsafe), and the app opens its database pool per process.
preload_app = False
# Recycling workers would reload the models each time; off unless memory creeps.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = max_requests // 10
# The heartbeat file on tmpfs: a container's overlay filesystem can stall it.
worker_tmp_dir = "/dev/shm"
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
# The scheme (https) from a reverse proxy is trusted only from these addresses.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
