"""Scope by construction: the caller's grants become a subtree predicate inside each query."""

from sqlalchemy import ColumnElement, and_, false, or_

from doan3cd.auth.permissions import Permission
from doan3cd.auth.principal import Principal
from doan3cd.domain.hierarchy import path_upper


def subtree_of(paths: list[str], path_column: ColumnElement[str]) -> ColumnElement[bool]:
    """Rows whose path lies in any of the given subtrees (an indexed range scan per root)."""
    roots = _outermost(paths)
    if not roots:
        return false()
    return or_(*(and_(path_column >= p, path_column < path_upper(p)) for p in roots))


def in_scope(
    principal: Principal, permission: Permission, path_column: ColumnElement[str]
) -> ColumnElement[bool]:
    return subtree_of(principal.paths_for(permission), path_column)


def _outermost(paths: list[str]) -> list[str]:
    """Drop roots nested in another root, so the predicate has no redundant ranges."""
    result: list[str] = []
    for path in sorted(set(paths)):
        if not result or not path.startswith(result[-1]):
            result.append(path)
    return result
