"""Read a naive timer date-time in the configured zone, not in the server's local zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

_ZONE = {"tz": ZoneInfo("Asia/Shanghai")}


def _get_datetime(expression: str) -> datetime:
    value = datetime.fromisoformat(expression)
    if value.tzinfo is None:
        value = value.replace(tzinfo=_ZONE["tz"])
    return value.astimezone(UTC)


def use(tz: str) -> None:
    """Set the zone for naive timer texts (WUYEFLOW_TIMEZONE); SpiffWorkflow would use the host's."""
    _ZONE["tz"] = ZoneInfo(tz)
    TimerEventDefinition.get_datetime = staticmethod(_get_datetime)
