"""The mock Amazon (under construction)."""
