"""Organisation units: the effective-dated tree, its lineage events and reorganisations."""
