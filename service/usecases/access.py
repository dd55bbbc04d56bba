"""Who may see and do what: one place for the role and department rules."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import Forbidden
from ..models import Membership, User


@dataclass(frozen=True)
class Actor:
    """The signed-in user with their memberships, detached from the session."""

    id: int
    username: str
    role: str
    compounds: frozenset[int]
    groups: frozenset[tuple[int, str]]

    @classmethod
    def of(cls, user: User) -> Actor:
        memberships: list[Membership] = list(user.memberships)
        return cls(
            id=user.id, username=user.username, role=user.role,
            compounds=frozenset(m.compound_id for m in memberships),
            groups=frozenset((m.compound_id, m.group_name) for m in memberships if m.group_name),
        )

    @property
    def sees_all(self) -> bool:
        return self.role in ("admin", "manager")

    def group_names(self, compound_id: int | None = None) -> set[str]:
        return {g for c, g in self.groups if compound_id is None or c == compound_id}

    def require(self, *roles: str) -> None:
        if self.role not in roles:
            raise Forbidden(f"this needs the role {' or '.join(roles)}; you are {self.role}")

    def in_compound(self, compound_id: int) -> bool:
        return compound_id in self.compounds

    def may_work(self, task) -> bool:
        """Members of a task's groups in its compound, its assignee, or its candidate user; never an excluded one."""
        if self.username in (task.excluded_users or "").split(","):
            return False
        if self.username in (task.assignee, task.candidate_user):
            return True
        groups = [g for g in task.groups.split(",") if g]
        return any((task.compound_id, g) in self.groups for g in groups)

    def may_see_task(self, task) -> bool:
        return self.may_work(task) or (self.sees_all and self.in_compound(task.compound_id))
