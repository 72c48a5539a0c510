"""Permissions (also the names of API-token scopes) and what each role holds."""

from enum import StrEnum


class Permission(StrEnum):
    units_read = "units:read"
    units_write = "units:write"
    members_read = "members:read"
    members_write = "members:write"
    members_sensitive = "members:sensitive"
    evidence_read = "evidence:read"
    evidence_write = "evidence:write"
    evidence_verify = "evidence:verify"
    welfare_read = "welfare:read"
    welfare_write = "welfare:write"
    welfare_stats = "welfare:stats"
    referrals_read = "referrals:read"
    referrals_write = "referrals:write"
    assessments_read = "assessments:read"
    assessments_write = "assessments:write"
    assessments_decide = "assessments:decide"
    imports_write = "imports:write"
    exports_read = "exports:read"
    sync_read = "sync:read"
    sync_write = "sync:write"
    users_admin = "users:admin"
    audit_read = "audit:read"


READ = frozenset(
    {
        Permission.units_read,
        Permission.members_read,
        Permission.evidence_read,
        Permission.welfare_stats,
        Permission.referrals_read,
        Permission.assessments_read,
        Permission.exports_read,
    }
)
WRITE = frozenset(
    {
        Permission.units_write,
        Permission.members_write,
        Permission.evidence_write,
        Permission.referrals_write,
        Permission.assessments_write,
        Permission.imports_write,
    }
)
WELFARE = frozenset(
    {Permission.welfare_read, Permission.welfare_write, Permission.members_sensitive}
)

ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    "admin": frozenset(Permission),
    "manager": READ | WRITE,
    "reviewer": READ | {Permission.evidence_verify, Permission.assessments_decide},
    "viewer": READ,
    "welfare_officer": READ | WELFARE,
    # Integration accounts act only through API tokens, whose scopes narrow this further.
    "integration": READ | WRITE | {Permission.sync_read, Permission.sync_write},
}
