"""Deployment helpers: configuration for what runs in front of ``sistercities serve``."""
