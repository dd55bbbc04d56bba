"""Plain values the engine hands to the rest of the service; nothing here refers to SpiffWorkflow."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class DeployProblem:
    """One thing wrong with a deployment, located as precisely as the input allows."""

    file: str
    message: str
    element: str | None = None
    line: int | None = None

    def as_dict(self) -> dict:
        return {"file": self.file, "element": self.element, "line": self.line, "message": self.message}


@dataclass(frozen=True)
class ElementInfo:
    """What the service needs to know about one flow element, read from the XML at deploy time."""

    element_id: str
    name: str
    kind: str
    lane: str | None = None
    form_id: str | None = None
    candidate_groups: tuple[str, ...] = ()
    assignee: str | None = None
    due_date: str | None = None
    documentation: str | None = None
    # --- deadlines (calendar issue): camunda:properties sla / sla_pause, the timer's expression ---
    sla: str | None = None  # commitment kept by this timer or user task: acknowledge, resolve, fix, ...
    sla_pause: str | None = None  # while this user task is open the instance's SLA clocks stop: "all" or names
    timer_kind: str | None = None  # timeDate | timeDuration | timeCycle
    timer_expression: str | None = None
    # camunda:property excluded_users: an expression naming users who may not work this task
    # (separation of duties, e.g. the people an appeal concerns)
    excluded_users: str | None = None
    # --- where the element is drawn: the executable process it belongs to (a called process's elements
    # are indexed with its caller's), the process a call activity calls, the decision a rule task evaluates
    process_id: str | None = None
    called_element: str | None = None
    decision_ref: str | None = None

    def as_dict(self) -> dict:
        return {
            "element_id": self.element_id,
            "name": self.name,
            "kind": self.kind,
            "lane": self.lane,
            "form_id": self.form_id,
            "candidate_groups": list(self.candidate_groups),
            "assignee": self.assignee,
            "due_date": self.due_date,
            "documentation": self.documentation,
            "sla": self.sla,
            "sla_pause": self.sla_pause,
            "timer_kind": self.timer_kind,
            "timer_expression": self.timer_expression,
            "excluded_users": self.excluded_users,
            "process_id": self.process_id,
            "called_element": self.called_element,
            "decision_ref": self.decision_ref,
        }

    @classmethod
    def from_dict(cls, dct: dict) -> ElementInfo:
        return cls(**{**dct, "candidate_groups": tuple(dct.get("candidate_groups") or ())})


@dataclass(frozen=True)
class CompiledProcess:
    """One executable process of a deployment, ready to be stored as a version."""

    process_id: str
    name: str
    source_file: str
    spec: str
    elements: dict[str, ElementInfo]
    form_ids: tuple[str, ...]
    called_processes: tuple[str, ...] = ()
    properties: dict[str, str] = field(default_factory=dict)  # the process's camunda:properties
    start_timers: tuple[tuple[str, str, str], ...] = ()  # (start event id, timeDate|timeDuration|timeCycle, text)


@dataclass(frozen=True)
class CompileResult:
    processes: tuple[CompiledProcess, ...]
    problems: tuple[DeployProblem, ...]


@dataclass(frozen=True)
class ReadyTask:
    """A task that waits for a person: user, manual and plain tasks."""

    task_id: str
    element_id: str
    name: str
    kind: str
    lane: str | None
    data: dict


@dataclass(frozen=True)
class PendingTimer:
    task_id: str
    element_id: str
    name: str
    due_at: datetime


@dataclass(frozen=True)
class WaitingEvent:
    task_id: str
    element_id: str
    event_type: str
    name: str


@dataclass(frozen=True)
class Incident:
    element_id: str | None
    message: str


@dataclass(frozen=True)
class Snapshot:
    """The state of an instance after an engine step, as the service stores and indexes it."""

    state: str
    status: str
    data: dict
    ready_tasks: tuple[ReadyTask, ...] = ()
    timers: tuple[PendingTimer, ...] = ()
    waiting: tuple[WaitingEvent, ...] = ()
    end_events: tuple[str, ...] = ()
    incident: Incident | None = None
    fired: tuple[str, ...] = field(default=())
