"""Occupations: the ESCO taxonomy (ESCO, European Commission) and its ISCO-08 groups."""
