"""Demo data: corridors, organisations, jobs and users, loaded from the YAML files in data/."""
