"""Drop-in replacement for the platform's official Python SDK module."""
