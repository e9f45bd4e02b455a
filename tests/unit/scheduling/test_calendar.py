from linewise.scheduling.calendar import CalendarIndex, PlacementOption
from linewise.scheduling.model import Window

SHIFTS = (Window(0, 10), Window(20, 30), Window(40, 50))


def test_non_splittable_waits_for_a_window_that_fits() -> None:
    cal = CalendarIndex(SHIFTS)
    assert cal.earliest_fit(5, 8, splittable=False) == (20, 28)
    assert cal.earliest_fit(0, 8, splittable=False) == (0, 8)
    assert cal.earliest_fit(0, 11, splittable=False) is None


def test_splittable_work_is_stretched_across_gaps() -> None:
    cal = CalendarIndex(SHIFTS)
    assert cal.earliest_fit(5, 8, splittable=True) == (5, 23)  # 5 before, 3 after the gap
    assert cal.earliest_fit(5, 20, splittable=True) == (5, 45)  # crosses two gaps
    assert cal.earliest_fit(12, 3, splittable=True) == (20, 23)
    assert cal.earliest_fit(45, 10, splittable=True) is None  # calendar runs out


def test_always_available_calendar() -> None:
    cal = CalendarIndex(None)
    assert cal.earliest_fit(7, 3, splittable=False) == (7, 10)
    assert cal.placement_options(3, False, 0, 100) == [PlacementOption(0, 100, 3)]


def test_placement_options_cover_exactly_the_feasible_starts() -> None:
    cal = CalendarIndex(SHIFTS)
    for splittable in (False, True):
        options = cal.placement_options(8, splittable, 0, 60)
        starts = {s: o.length for o in options for s in range(o.earliest, o.latest + 1)}
        for t in range(0, 61):
            fit = cal.earliest_fit(t, 8, splittable)
            if fit is not None and fit[0] == t:
                assert starts.get(t) == fit[1] - fit[0], (splittable, t)
            else:
                assert t not in starts, (splittable, t)
