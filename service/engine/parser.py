"""The SpiffWorkflow parser and serializer configuration the service runs with."""

from __future__ import annotations

from SpiffWorkflow.bpmn.parser.BpmnParser import DEFAULT_NSMAP, full_tag
from SpiffWorkflow.bpmn.serializer import DEFAULT_CONFIG
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.camunda.parser.task_spec import BusinessRuleTaskParser
from SpiffWorkflow.camunda.specs.business_rule_task import BusinessRuleTask
from SpiffWorkflow.dmn.parser.BpmnDmnParser import BpmnDmnParser
from SpiffWorkflow.dmn.serializer.task_spec import BaseBusinessRuleTaskConverter

from .xmlread import CAMUNDA_NS


class ProcessParser(BpmnDmnParser):
    """Plain BPMN semantics (messages, multi-instance) plus Camunda's camunda:decisionRef for DMN."""

    OVERRIDE_PARSER_CLASSES = {
        full_tag("businessRuleTask"): (BusinessRuleTaskParser, BusinessRuleTask),
    }

    def __init__(self):
        super().__init__(namespaces={**DEFAULT_NSMAP, "camunda": CAMUNDA_NS})


def _serializer_config() -> dict:
    config = dict(DEFAULT_CONFIG)
    config[BusinessRuleTask] = BaseBusinessRuleTaskConverter
    return config


REGISTRY = BpmnWorkflowSerializer.configure(_serializer_config())
SERIALIZER = BpmnWorkflowSerializer(REGISTRY)
