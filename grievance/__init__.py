"""Grievances: complaints and anonymous whistle-blowing, encrypted at rest."""
