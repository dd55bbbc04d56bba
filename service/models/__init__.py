"""SQLAlchemy models: identity, processes, instances and their read models."""

from .identity import DEFAULT_COMPOUND, ROLES, ApiToken, Compound, Membership, User
from .instances import OPEN_TASK_STATES, HistoryEntry, Instance, Task, TaskCandidate, Timer
from .processes import Deployment, DeploymentFile, FormVersion, ProcessVersion

__all__ = [
    "DEFAULT_COMPOUND", "OPEN_TASK_STATES", "ROLES", "ApiToken", "Compound", "Deployment", "DeploymentFile",
    "FormVersion", "HistoryEntry", "Instance", "Membership", "ProcessVersion", "Task", "TaskCandidate", "Timer",
    "User",
]
