"""All ORM classes, imported here so Alembic's autogenerate and `alembic check` see them."""

from doan3cd.models.assessment import Assessment, CriterionScore, FrameworkVersion
from doan3cd.models.audit import AuditEvent
from doan3cd.models.change import Change
from doan3cd.models.evidence import (
    Activity,
    PartyReferral,
    Plan,
    PlanItem,
    ReferralTransition,
    SupportAction,
    WelfareCase,
)
from doan3cd.models.idempotency import IdempotencyRecord
from doan3cd.models.job import ImportJob, ImportJobError, ImportJobFile, ImportJobRow
from doan3cd.models.member import (
    Member,
    MemberExternalId,
    MemberPosition,
    MembershipPeriod,
    MemberStatusChange,
    Transfer,
)
from doan3cd.models.unit import LineageEvent, LineageEventUnit, Unit, UnitKindRule, UnitVersion
from doan3cd.models.user import ApiToken, LoginThrottle, RoleAssignment, User
from doan3cd.models.webhook import SyncMark, WebhookDelivery, WebhookSubscription

__all__ = [
    "Activity",
    "ApiToken",
    "Assessment",
    "AuditEvent",
    "Change",
    "CriterionScore",
    "FrameworkVersion",
    "IdempotencyRecord",
    "ImportJob",
    "ImportJobError",
    "ImportJobFile",
    "ImportJobRow",
    "LineageEvent",
    "LineageEventUnit",
    "LoginThrottle",
    "Member",
    "MemberExternalId",
    "MemberPosition",
    "MemberStatusChange",
    "MembershipPeriod",
    "PartyReferral",
    "Plan",
    "PlanItem",
    "ReferralTransition",
    "RoleAssignment",
    "SupportAction",
    "SyncMark",
    "Transfer",
    "Unit",
    "UnitKindRule",
    "UnitVersion",
    "User",
    "WebhookDelivery",
    "WebhookSubscription",
    "WelfareCase",
]
