"""People and what they did: users and roles (users), sign-in sessions (login_sessions),
the audit log of personal data (audit)."""
