from tests.evidence.tree import tree

__all__ = ["tree"]
