"""Accounts: users, roles, sign-in, registration and worker profiles."""
