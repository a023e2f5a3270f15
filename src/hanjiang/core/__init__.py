"""Shared kernel: base models, audit trail, event bus, errors."""
