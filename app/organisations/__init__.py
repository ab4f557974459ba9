"""Organisations: employers and licensed recruitment agencies, and their licences."""
