"""Tenancy: which company a request, socket or job belongs to, and scoping of every query."""
