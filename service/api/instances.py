"""Start instances, read them, send them messages, errors and escalations, cancel them."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from ..usecases import instances as uc
from .auth import current_actor
from .schemas import CancelRequest, DataRequest, InstanceSchema, StartRequest, ThrowRequest

blp = Blueprint("instances", __name__, url_prefix="/api/v1", description="Process instances")


def view(instance_id: int) -> dict:
    parts = uc.instance_view(current_actor(), instance_id)
    instance = parts["instance"]
    fields = ("id", "ticket", "process_id", "version", "status", "data", "compound_id", "started_by", "created_at",
              "ended_at")
    body = {name: getattr(instance, name) for name in fields}
    body["incident"] = ({"element_id": instance.incident_element, "message": instance.incident_message}
                        if instance.incident_message else None)
    body["tasks"] = [t for t in parts["tasks"] if t.state in ("ready", "claimed")]
    body["timers"] = parts["timers"]
    body["history"] = parts["history"]
    body["waiting"] = parts.get("waiting", [])
    return body


@blp.route("/processes/<process_id>/instances")
class StartView(MethodView):
    @blp.arguments(StartRequest)
    @blp.response(201, InstanceSchema)
    def post(self, body, process_id):
        """Start the latest version of a process."""
        instance = uc.start_instance(current_actor(), process_id, body["data"], body.get("compound"))
        return view(instance.id)


@blp.route("/instances/<int:instance_id>")
class InstanceView(MethodView):
    @blp.response(200, InstanceSchema)
    def get(self, instance_id):
        """Status, version, data, open tasks, pending timers and history."""
        return view(instance_id)


@blp.route("/instances/<int:instance_id>/messages/<name>")
class MessageView(MethodView):
    @blp.arguments(DataRequest)
    @blp.response(200, InstanceSchema)
    def post(self, body, instance_id, name):
        """Deliver a BPMN message to a waiting instance (409 when it is not waiting for it)."""
        uc.deliver_message(current_actor(), instance_id, name, body.get("data"), body.get("correlations"))
        return view(instance_id)


@blp.route("/instances/<int:instance_id>/errors/<name>")
class ErrorView(MethodView):
    @blp.arguments(ThrowRequest)
    @blp.response(200, InstanceSchema)
    def post(self, body, instance_id, name):
        """Raise a BPMN error in the instance (e.g. from a task form), caught by a boundary event."""
        uc.throw_event(current_actor(), instance_id, "error", name, body.get("code"))
        return view(instance_id)


@blp.route("/instances/<int:instance_id>/escalations/<name>")
class EscalationView(MethodView):
    @blp.arguments(ThrowRequest)
    @blp.response(200, InstanceSchema)
    def post(self, body, instance_id, name):
        """Raise a BPMN escalation in the instance."""
        uc.throw_event(current_actor(), instance_id, "escalation", name, body.get("code"))
        return view(instance_id)


@blp.route("/instances/<int:instance_id>/cancel")
class CancelView(MethodView):
    @blp.arguments(CancelRequest)
    @blp.response(200, InstanceSchema)
    def post(self, body, instance_id):
        """Cancel a running instance (admins and managers)."""
        uc.cancel_instance(current_actor(), instance_id, body["reason"])
        return view(instance_id)
