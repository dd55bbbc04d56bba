"""The SpiffWorkflow parser and serializer configuration the service runs with."""

from __future__ import annotations

from SpiffWorkflow.bpmn.parser.BpmnParser import DEFAULT_NSMAP, BpmnParser, full_tag
from SpiffWorkflow.bpmn.serializer import DEFAULT_CONFIG
from SpiffWorkflow.bpmn.serializer.config import MessageEventDefinition as StockMessageEventDefinition
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.camunda.parser.task_spec import BusinessRuleTaskParser
from SpiffWorkflow.camunda.serializer.event_definition import MessageEventDefinitionConverter
from SpiffWorkflow.camunda.specs.business_rule_task import BusinessRuleTask
from SpiffWorkflow.dmn.parser.BpmnDmnParser import BpmnDmnParser
from SpiffWorkflow.dmn.serializer.task_spec import BaseBusinessRuleTaskConverter

from .messages import EVENT_PARSERS, MessageEventDefinition
from .xmlread import CAMUNDA_NS


def _overrides() -> dict:
    # Message events: BPMN payloads plus camunda:expression/resultVariable (see messages.py for why).
    classes = {full_tag(tag): (parser, BpmnParser.PARSER_CLASSES[full_tag(tag)][1])
               for tag, parser in EVENT_PARSERS.items()}
    # businessRuleTask: BpmnParser has none; Camunda's reads camunda:decisionRef.
    classes[full_tag("businessRuleTask")] = (BusinessRuleTaskParser, BusinessRuleTask)
    return classes


class ProcessParser(BpmnDmnParser):
    """Plain BPMN semantics (messages, multi-instance) plus Camunda's camunda:decisionRef for DMN and
    camunda:expression/resultVariable on message events."""

    OVERRIDE_PARSER_CLASSES = _overrides()

    def __init__(self):
        super().__init__(namespaces={**DEFAULT_NSMAP, "camunda": CAMUNDA_NS})

    def collaboration_participants(self, name: str) -> list[str]:
        """The executable processes a collaboration starts (black-box participants have none)."""
        result = []
        for process_id in self.collaborations.get(name, []):
            process_parser = self.get_process_parser(process_id) if process_id else None
            if process_parser is not None and process_parser.process_executable:
                result.append(process_id)
        return result

    def get_collaboration(self, name):
        """As the stock one, without its find_all_specs(): that builds every process in the parser and
        fails on a non-executable one that takes no part in this collaboration."""
        spec = BpmnProcessSpec(name)
        subprocesses = {}
        participant_type = self._get_parser_class(full_tag("callActivity"))[1]
        for process_id in self.collaboration_participants(name):
            sp_spec = self.get_spec(process_id)
            subprocesses[process_id] = sp_spec
            subprocesses.update(self.get_subprocess_specs(process_id))
            participant = participant_type(spec, process_id, process_id)
            spec.start.connect_or_add_trigger(participant, sp_spec)
        return spec, subprocesses


def _serializer_config() -> dict:
    config = dict(DEFAULT_CONFIG)
    config[BusinessRuleTask] = BaseBusinessRuleTaskConverter
    # Same typename as the stock class, so stored specs restore into the service's message event.
    config.pop(StockMessageEventDefinition)
    config[MessageEventDefinition] = MessageEventDefinitionConverter
    return config


REGISTRY = BpmnWorkflowSerializer.configure(_serializer_config())
SERIALIZER = BpmnWorkflowSerializer(REGISTRY)
