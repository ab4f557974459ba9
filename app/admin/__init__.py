"""Administration: corridors, users and the audit log."""
