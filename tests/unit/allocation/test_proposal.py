"""CP-SAT reallocation proposals: skills, shifts, locks and conflicts respected; a hand
case with a known best move; the size the product needs stays fast."""

from __future__ import annotations

import random

import pytest

from linewise.allocation.proposal import Person, Rules, Station, propose


def _stations() -> list[Station]:
    return [
        # short by one, with work: 3 machines idle for the hour unless someone comes
        Station("SMT-1", "SMT", "smt", need=2, present=1, has_work=True, machines=3),
        # one more than it needs
        Station("SMT-2", "SMT", "smt", need=1, present=2, has_work=True, machines=3),
        # exactly staffed: taking someone away stops it
        Station("DIP-1", "THT", "tht", need=1, present=1, has_work=True, machines=2),
        # nothing to do here
        Station("PACK-1", "PACK", "pack", need=1, present=1, has_work=False, machines=1),
    ]


def test_the_known_best_move_comes_from_the_overstaffed_line_next_door() -> None:
    people = [
        Person("A", ("smt",), ("SMT",), "SMT-1"),
        Person("B", ("smt",), ("SMT",), "SMT-2"),
        Person("C", ("smt",), ("SMT",), "SMT-2"),
        Person("D", ("tht", "smt"), ("THT",), "DIP-1"),  # would leave DIP-1 short
        Person("E", ("pack", "smt"), ("PACK",), "PACK-1"),  # idle line, but a longer walk
    ]
    proposal = propose(_stations(), people, Rules(horizon_min=60))
    assert proposal.status == "optimal"
    [move] = proposal.moves
    assert move.to_station == "SMT-1" and move.operator in ("B", "C")
    assert move.from_station == "SMT-2"
    # 3 machines x 60 minutes saved, minus 2 minutes of walking for 3 machines
    assert proposal.gain_min == pytest.approx(180 - 6)
    assert move.gain_min == pytest.approx(174)


def test_skills_shifts_locks_and_conflicts_are_respected() -> None:
    stations = _stations()
    wrong_skill = Person("T", ("tht",), ("SMT",), "SMT-2")
    off_shift = Person("O", ("smt",), ("SMT",), "SMT-2", available=False)
    locked = Person("L", ("smt",), ("SMT",), "SMT-2", locked=True)
    banned = Person("X", ("smt",), ("SMT",), "SMT-2")
    people = [wrong_skill, off_shift, locked, banned]
    rules = Rules(conflicts=frozenset({("X", "SMT-1")}))
    assert propose(stations, people, rules).moves == ()
    # the idle packer with the skill is the only one left who may go
    packer = Person("E", ("pack", "smt"), ("PACK",), "PACK-1")
    [move] = propose(stations, [*people, packer], rules).moves
    assert move.operator == "E" and move.gain_min == pytest.approx(180 - 15)
    # not across areas when the rules say so
    no_cross = Rules(cross_area=False, conflicts=rules.conflicts)
    assert propose(stations, [*people, packer], no_cross).moves == ()


def test_taking_the_last_operator_of_a_running_line_is_not_worth_it() -> None:
    stations = [
        Station("S1", "A", "s", need=1, present=0, has_work=True, machines=1),
        Station("S2", "A", "s", need=1, present=1, has_work=True, machines=5),
    ]
    people = [Person("P", ("s",), ("A",), "S2")]
    assert propose(stations, people).moves == ()


def test_a_large_floor_is_proposed_quickly() -> None:
    rng = random.Random(5)
    areas = ["A", "B", "C", "D", "E"]
    skills = ["s0", "s1", "s2", "s3", "s4"]
    stations = []
    for i in range(300):
        k = i % 5
        need = rng.choice((1, 2))
        stations.append(
            Station(
                f"M{i}", areas[k], skills[k], need, rng.randint(0, need + 1), rng.random() < 0.8
            )
        )
    people = []
    for j in range(500):
        k = j % 5
        extra = (skills[(k + 1) % 5],) if rng.random() < 0.3 else ()
        people.append(
            Person(
                f"P{j}",
                (skills[k], *extra),
                (areas[k],),
                f"M{rng.randrange(300)}",
                rng.random() < 0.9,
            )
        )
    proposal = propose(stations, people)
    assert proposal.status in ("optimal", "feasible")
    assert proposal.moves and proposal.gain_min > 0
    assert proposal.seconds < 5  # the bench measures the p95 on this size
    targets = [m.to_station for m in proposal.moves]
    by_code = {s.code: s for s in stations}
    by_person = {p.code: p for p in people}
    for m in proposal.moves:
        assert by_code[m.to_station].skill in by_person[m.operator].skills
        assert by_person[m.operator].available
    assert all(targets.count(t) <= by_code[t].need - by_code[t].present for t in set(targets))
