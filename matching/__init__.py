"""Matching: the ESCO taxonomy, skill profiles, vacancies, and the matcher."""
