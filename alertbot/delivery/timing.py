"""When a chat's alerts may go: at once, as an hourly or daily digest, never in its quiet
hours. Pure: the plan and the clock are handed in.

    plan = DeliveryPlan(mode="daily", daily_hour=7, zone="Asia/Jakarta")
    release_after(plan, created)   # the next 07:00 in Jakarta, as a timestamp

Hours are the chat's local wall-clock hours, so a daily digest at 07:00 stays at 07:00
across a daylight-saving change.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

__all__ = ["MODES", "DeliveryPlan", "in_quiet_hours", "ready_at", "release_after"]

MODES = ("now", "hourly", "daily")


@dataclass(frozen=True)
class DeliveryPlan:
    mode: str = "now"  # "now": each alert at once; "hourly" / "daily": one digest a slot
    daily_hour: int = 8  # local hour of the daily digest
    quiet: tuple[int, int] | None = None  # local (start, end) hours, e.g. (22, 6)
    zone: str = "UTC"

    @property
    def digests_only(self) -> bool:
        return self.mode != "now"


def _local(moment: float, zone: str) -> datetime:
    return datetime.fromtimestamp(moment, UTC).astimezone(zoneinfo.ZoneInfo(zone))


def _at_hour(local: datetime, hour: int, zone: str) -> float:
    """The first local `hour`:00 at or after `local` (wall clock, so DST keeps the hour)."""
    tz = zoneinfo.ZoneInfo(zone)
    today = datetime(local.year, local.month, local.day, hour, tzinfo=tz)
    if today.timestamp() >= local.timestamp():
        return today.timestamp()
    tomorrow = local.date() + timedelta(days=1)
    return datetime(tomorrow.year, tomorrow.month, tomorrow.day, hour, tzinfo=tz).timestamp()


def in_quiet_hours(plan: DeliveryPlan, moment: float) -> bool:
    if plan.quiet is None:
        return False
    start, end = plan.quiet
    hour = _local(moment, plan.zone).hour
    return start <= hour < end if start < end else hour >= start or hour < end


def _after_quiet(plan: DeliveryPlan, moment: float) -> float:
    if plan.quiet is None or not in_quiet_hours(plan, moment):
        return moment
    return _at_hour(_local(moment, plan.zone), plan.quiet[1], plan.zone)


def release_after(plan: DeliveryPlan, created: float) -> float:
    """When an alert queued at `created` is first allowed to go (its slot; quiet hours end)."""
    if plan.mode == "hourly":
        local = _local(created, plan.zone)
        slot = (local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)).timestamp()
    elif plan.mode == "daily":
        slot = _at_hour(_local(created, plan.zone), plan.daily_hour, plan.zone)
    else:
        slot = created
    return _after_quiet(plan, slot)


def ready_at(plan: DeliveryPlan, oldest_created: float, now: float) -> float:
    """When the chat's waiting alerts may go: `now` (or earlier) means now."""
    return _after_quiet(plan, max(release_after(plan, oldest_created), now))
