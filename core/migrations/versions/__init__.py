"""Revision files, applied in order by `headstart db upgrade`."""
