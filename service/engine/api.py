"""The engine's public surface: the service imports only this module."""

from .compiler import compile_files
from .runtime import Engine, LiveInstance, NotWaiting, TaskNotReady
from .state import LoadedSpec, load_spec
from .types import (
    CompiledProcess,
    CompileResult,
    DeployProblem,
    ElementInfo,
    Incident,
    PendingTimer,
    ReadyTask,
    Snapshot,
    WaitingEvent,
)
from .xmlread import decision_outputs

__all__ = [
    "CompileResult", "CompiledProcess", "DeployProblem", "ElementInfo", "Engine", "Incident", "LiveInstance",
    "LoadedSpec",
    "NotWaiting", "PendingTimer", "ReadyTask", "Snapshot", "TaskNotReady", "WaitingEvent", "compile_files",
    "decision_outputs", "load_spec",
]

from .recompute import TimerNotMovable, move_timers, recompute_timers  # noqa: E402 - deadlines (calendar issue)

__all__ += ["TimerNotMovable", "move_timers", "recompute_timers"]

from .start_timers import due_after, start_fired  # noqa: E402 - timer start events, one instance per due time

__all__ += ["due_after", "start_fired"]
