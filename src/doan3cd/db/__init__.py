"""Database layer: declarative base, portable types, engines and the per-request session."""
