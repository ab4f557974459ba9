"""Aggregation: job offers for corridors gathered from outside sources, with their provenance."""
