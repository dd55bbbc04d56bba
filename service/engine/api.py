"""The engine's public surface: the service imports only this module."""

from .compiler import compile_files
from .runtime import Engine, NotWaiting, TaskNotReady
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

__all__ = [
    "CompileResult", "CompiledProcess", "DeployProblem", "ElementInfo", "Engine", "Incident", "LoadedSpec",
    "NotWaiting", "PendingTimer", "ReadyTask", "Snapshot", "TaskNotReady", "WaitingEvent", "compile_files",
    "load_spec",
]
