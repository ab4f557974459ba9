"""Listening to a job offer: its summary spoken in the reader's language (espeak-ng + Opus)."""
