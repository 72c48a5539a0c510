"""The append-only audit trail: `audit.record(session, actor, action, resource, id, fields=…)`."""

from doan3cd.audit.service import ANONYMOUS, CLI, Actor, SystemActor, record

__all__ = ["ANONYMOUS", "CLI", "Actor", "SystemActor", "record"]
