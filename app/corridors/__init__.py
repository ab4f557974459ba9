"""Corridors: origin → destination pairs that jobs and workers belong to."""
