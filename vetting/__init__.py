"""Vetting: scores job ads and organisations against the ILO fair-recruitment principles."""
