"""HTTP conventions shared by every resource (design/api.md, "Conventions")."""
