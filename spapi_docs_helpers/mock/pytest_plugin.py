"""pytest fixtures for the mock Amazon (under construction)."""
