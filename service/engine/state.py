"""Instance state stored without its spec: the spec is parsed once per version and cached."""

from __future__ import annotations

import json
from dataclasses import dataclass
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.default.workflow import WorkflowConverter
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from .parser import REGISTRY, SERIALIZER

STATE_FORMAT = "wuyeflow-state-1"


@dataclass(frozen=True)
class LoadedSpec:
    """A version's restored specs; shared read-only by every instance of that version."""

    spec: object
    subprocess_specs: dict


def load_spec(spec_json: str) -> LoadedSpec:
    """Restore the serialized specs of a version (done once per version and process)."""
    payload = json.loads(spec_json)
    spec = REGISTRY.restore(payload["spec"])
    subprocess_specs = {name: REGISTRY.restore(s) for name, s in payload["subprocess_specs"].items()}
    return LoadedSpec(spec, subprocess_specs)


def _workflow_converter():
    """The registry's converter for BpmnWorkflow (a bound method inside a partial)."""
    return REGISTRY.convert_to_dict[REGISTRY.typenames[BpmnWorkflow]].args[1].__self__


def dump_state(workflow: BpmnWorkflow) -> str:
    """Serialize the running state only: tasks, data, subprocesses, pending events."""
    registry = REGISTRY
    registry._encoder_mode = True
    try:
        converter = _workflow_converter()
        dct = WorkflowConverter.to_dict(converter, workflow)
        finished = _finished_subprocesses(workflow)
        dct["subprocesses"] = converter.mapping_to_dict(
            {key: sp for key, sp in workflow.subprocesses.items() if key not in finished})
        dct["bpmn_events"] = registry.convert(workflow.bpmn_events)
        dct["format"] = STATE_FORMAT
        dct[SERIALIZER.VERSION_KEY] = SERIALIZER.VERSION
        return json.dumps(dct, cls=SERIALIZER._encoder_cls, separators=(",", ":"))
    finally:
        registry._encoder_mode = False


def _finished_subprocesses(workflow: BpmnWorkflow) -> set[UUID]:
    """Subprocesses and called processes whose own task in the parent has finished.

    Their result was copied into the parent when they ended and nothing reads them again, but
    SpiffWorkflow keeps them: a case that loops through a call activity ten times would restore and
    store all ten. They are left out of the stored state (collaboration participants, whose parent
    task is no subprocess task, are kept).
    """
    finished: set[UUID] = set()
    for key, subprocess in workflow.subprocesses.items():
        parent = subprocess.parent_workflow.tasks.get(subprocess.parent_task_id) if subprocess.parent_workflow else None
        if (parent is not None and isinstance(parent.task_spec, SubWorkflowTask)
                and parent.state in (TaskState.COMPLETED, TaskState.CANCELLED)):
            finished.add(key)
    return finished


def load_state(loaded: LoadedSpec, state: str, script_engine: object) -> BpmnWorkflow:
    """Rebuild a workflow from stored state and its version's cached spec."""
    dct = json.loads(state)
    dct.pop("format", None)
    dct.pop(SERIALIZER.VERSION_KEY, None)
    converter = _workflow_converter()
    workflow = BpmnWorkflow(loaded.spec, loaded.subprocess_specs, deserializing=True)
    workflow.tasks = converter.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
    workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
    converter.set_default_attributes(workflow, dct)
    converter.subprocesses_from_dict(dct["subprocesses"], workflow)
    workflow.bpmn_events = REGISTRY.restore(dct.pop("bpmn_events", []))
    workflow.script_engine = script_engine
    return workflow
