"""The platform's mail outbox: e-mail queued in the database with the request's write,
sent by a worker over SMTP after the commit, retried with back-off, never sent twice.

models: the outbox table; smtp: the SMTP configuration, the connection and the message;
outbox: enqueueing, sending, recovery and the admin's view. Layer 0: no domain here.
"""
