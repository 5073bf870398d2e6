"""When a chat's alerts may go: hourly and daily digests, quiet hours, local wall clocks."""

from __future__ import annotations

import zoneinfo
from datetime import datetime

from alertbot.delivery.timing import DeliveryPlan, in_quiet_hours, ready_at, release_after


def ts(*args: int, zone: str = "UTC") -> float:
    return datetime(*args, tzinfo=zoneinfo.ZoneInfo(zone)).timestamp()  # type: ignore[misc]


JAKARTA = "Asia/Jakarta"


def test_at_once_unless_quiet() -> None:
    plan = DeliveryPlan()
    created = ts(2026, 12, 3, 10, 20)
    assert release_after(plan, created) == created
    assert ready_at(plan, created, created + 5) == created + 5


def test_hourly_waits_for_the_next_local_hour() -> None:
    plan = DeliveryPlan(mode="hourly", zone=JAKARTA)
    assert release_after(plan, ts(2026, 12, 3, 10, 20, zone=JAKARTA)) == ts(
        2026, 12, 3, 11, 0, zone=JAKARTA
    )
    india = DeliveryPlan(mode="hourly", zone="Asia/Kolkata")  # UTC+5:30: hours at :30 UTC
    assert release_after(india, ts(2026, 12, 3, 4, 40)) == ts(2026, 12, 3, 5, 30)


def test_daily_goes_at_the_chosen_local_hour_today_or_tomorrow() -> None:
    plan = DeliveryPlan(mode="daily", daily_hour=7, zone=JAKARTA)
    assert release_after(plan, ts(2026, 12, 3, 6, 59, zone=JAKARTA)) == ts(
        2026, 12, 3, 7, 0, zone=JAKARTA
    )
    assert release_after(plan, ts(2026, 12, 3, 7, 1, zone=JAKARTA)) == ts(
        2026, 12, 4, 7, 0, zone=JAKARTA
    )
    # London changes clocks on 29 March 2026: the digest stays at 07:00 local.
    london = DeliveryPlan(mode="daily", daily_hour=7, zone="Europe/London")
    assert release_after(london, ts(2026, 3, 28, 12, 0)) == ts(2026, 3, 29, 6, 0)  # 07:00 BST
    assert release_after(london, ts(2026, 3, 27, 12, 0)) == ts(2026, 3, 28, 7, 0)  # 07:00 GMT


def test_quiet_hours_across_midnight_hold_alerts_until_they_end() -> None:
    plan = DeliveryPlan(quiet=(22, 6), zone=JAKARTA)
    night = ts(2026, 12, 3, 23, 30, zone=JAKARTA)
    morning = ts(2026, 12, 4, 6, 0, zone=JAKARTA)
    assert in_quiet_hours(plan, night) and in_quiet_hours(
        plan, ts(2026, 12, 4, 5, 59, zone=JAKARTA)
    )
    assert not in_quiet_hours(plan, morning) and not in_quiet_hours(
        plan, ts(2026, 12, 3, 21, 59, zone=JAKARTA)
    )
    assert release_after(plan, night) == morning
    # An alert queued before the quiet hours but still waiting when they begin waits too.
    evening = ts(2026, 12, 3, 21, 0, zone=JAKARTA)
    assert ready_at(plan, evening, night) == morning
    assert ready_at(plan, evening, evening + 60) == evening + 60
    # A daily digest that falls inside quiet hours comes when they end.
    early = DeliveryPlan(mode="daily", daily_hour=5, quiet=(22, 6), zone=JAKARTA)
    assert release_after(early, ts(2026, 12, 3, 12, 0, zone=JAKARTA)) == morning
    daytime = DeliveryPlan(quiet=(9, 17))
    assert in_quiet_hours(daytime, ts(2026, 12, 3, 12, 0)) and not in_quiet_hours(
        daytime, ts(2026, 12, 3, 17, 0)
    )
