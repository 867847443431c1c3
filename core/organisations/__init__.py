"""Organisations as records: MRCs, employers, service providers, public employment services
and destination-side integration services, with their status (pending, verified,
suspended), the accounts that belong to them and the invitations that let staff join.

Access is decided on an organisation's id, never on a name someone typed: two accounts
naming the same employer are two organisations until one is invited into the other.
"""
