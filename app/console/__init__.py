"""The ministry console: corridor statistics over time, as charts and CSV exports."""
