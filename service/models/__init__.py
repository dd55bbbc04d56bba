"""SQLAlchemy models: identity, processes, instances and their read models, calendar, drafts."""

from .calendar import CalendarDay, CalendarRevision, CalendarYear, SlaRecord
from .drafts import DRAFT_STATES, Draft
from .identity import DEFAULT_COMPOUND, ROLES, ApiToken, Compound, Membership, User
from .instances import (
    OPEN_TASK_STATES,
    HistoryEntry,
    Instance,
    StartTimer,
    Task,
    TaskCandidate,
    TicketCounter,
    Timer,
)
from .processes import Deployment, DeploymentFile, FormVersion, ProcessVersion

__all__ = [
    "DEFAULT_COMPOUND", "DRAFT_STATES", "OPEN_TASK_STATES", "ROLES", "ApiToken", "CalendarDay", "CalendarRevision",
    "CalendarYear", "Compound", "Deployment", "DeploymentFile", "Draft", "FormVersion", "HistoryEntry", "Instance",
    "Membership", "ProcessVersion", "SlaRecord", "StartTimer", "Task", "TaskCandidate", "TicketCounter", "Timer",
    "User",
]
