"""One message event for every diagram: BPMN payload semantics, plus camunda:expression/resultVariable.

SpiffWorkflow ships two incompatible message events and one parser per flavour:

- BpmnParser: a thrown message carries a copy of the thrower's task data, the catcher merges it into
  its own data, and correlation properties are computed and checked. Collaborations with
  correlations (collaboration.bpmn), message start events whose payload must land in the data
  (message_start_process.bpmn) and multi-instance data inputs only work this way.
- CamundaParser: the payload is the value of `camunda:expression`, and the catcher stores it under the
  thrower's `camunda:resultVariable` (or `<catching element id>_Response`). A diagram such as
  call_activity_with_message_parent.bpmn only works this way: its approver throws
  `camunda:expression="approved" camunda:resultVariable="Approved"` and the called process tests
  `Approved == "Yes"`; with BpmnParser the caught data holds `approved` (lower case) and the condition
  fails ("Error evaluating expression 'Approved == \"Yes\"'").

The service runs one parser, so this event decides per throw: a message definition with a
camunda:expression throws the Camunda way, every other one the BPMN way; the catcher follows the
thrower. Messages delivered through the API carry a JSON object and are merged (BPMN way).
The class keeps the stock name "MessageEventDefinition" so that specs stored before it existed
restore into it (the serializer looks classes up by that name).
"""

from __future__ import annotations

from SpiffWorkflow.bpmn.parser import event_parsers as stock
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition as BpmnMessageEventDefinition
from SpiffWorkflow.bpmn.util.event import BpmnEvent

from .xmlread import camunda_attr

_VALUE = "__wuyeflow_message_value__"


class MessageEventDefinition(BpmnMessageEventDefinition):
    """BPMN message event that also understands camunda:expression and camunda:resultVariable."""

    def __init__(self, name, correlation_properties=None, expression=None, result_var=None, **kwargs):
        super().__init__(name, correlation_properties, **kwargs)
        self.expression = expression
        self.result_var = result_var

    def throw(self, my_task):
        if not self.expression:
            super().throw(my_task)
            return
        value = my_task.workflow.script_engine.evaluate(my_task, self.expression)
        event = BpmnEvent(self, payload={_VALUE: value, "result_var": self.result_var})
        my_task.workflow.top_workflow.catch(event)

    def catch(self, my_task, event=None):
        if event is not None and isinstance(event.payload, dict) and _VALUE in event.payload:
            # Camunda-style payload: no data to compute correlations from (as in CamundaParser).
            self.update_internal_data(my_task, event)
            super(BpmnMessageEventDefinition, self).catch(my_task, event)
            return
        super().catch(my_task, event)

    def update_internal_data(self, my_task, event):
        payload = event.payload
        if isinstance(payload, dict) and _VALUE in payload:
            variable = payload.get("result_var") or f"{my_task.task_spec.bpmn_id or my_task.task_spec.name}_Response"
            payload = {_VALUE: payload[_VALUE], "result_var": variable}
        my_task.internal_data[self.name] = payload

    def update_task_data(self, my_task):
        payload = my_task.internal_data.get(self.name)
        if isinstance(payload, dict) and _VALUE in payload:
            my_task.data[payload["result_var"]] = payload[_VALUE]
        elif isinstance(payload, dict):
            my_task.set_data(**payload)

    def __eq__(self, other):
        # Also equal to a stock definition of the same name (Python asks the subclass first), so an
        # event built here is caught by specs parsed before this class existed, and vice versa.
        return isinstance(other, BpmnMessageEventDefinition) and self.name == other.name

    __hash__ = None


class _MessageParsing:
    """Mixin for every element parser that reads a messageEventDefinition."""

    def parse_message_event(self, message_event):
        stock_definition = super().parse_message_event(message_event)
        expression = camunda_attr(message_event, "expression")
        return MessageEventDefinition(
            stock_definition.name, stock_definition.correlation_properties,
            expression=expression.strip() if expression and expression.strip() else None,
            result_var=(camunda_attr(message_event, "resultVariable") or "").strip() or None,
            description=stock_definition.description,
        )


class StartEventParser(_MessageParsing, stock.StartEventParser):
    pass


class EndEventParser(_MessageParsing, stock.EndEventParser):
    pass


class IntermediateCatchEventParser(_MessageParsing, stock.IntermediateCatchEventParser):
    pass


class IntermediateThrowEventParser(_MessageParsing, stock.IntermediateThrowEventParser):
    pass


class BoundaryEventParser(_MessageParsing, stock.BoundaryEventParser):
    pass


class SendTaskParser(_MessageParsing, stock.SendTaskParser):
    pass


class ReceiveTaskParser(_MessageParsing, stock.ReceiveTaskParser):
    pass


EVENT_PARSERS = {
    "startEvent": StartEventParser,
    "endEvent": EndEventParser,
    "intermediateCatchEvent": IntermediateCatchEventParser,
    "intermediateThrowEvent": IntermediateThrowEventParser,
    "boundaryEvent": BoundaryEventParser,
    "sendTask": SendTaskParser,
    "receiveTask": ReceiveTaskParser,
}
