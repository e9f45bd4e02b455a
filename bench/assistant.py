#!/usr/bin/env python
"""The assistant's question set, answered offline and judged against the API.

A seeded demo factory (``linewise demo --seed 7 --history-days 7`` into a fresh SQLite
file) is built first. The question set is generated from phrasings per intent (short,
long, with typos, with relative dates) over the factory's real lines, machines and
orders; about a fifth must be refused: names that do not exist, data outside the
asker's areas (the demo operator sees SMT only), and questions that are not about
production. Each question is asked over HTTP (``POST /api/v1/assistant/ask``) as a demo
user; the gold answer is fetched from the API route that shows the same figures on its
page, with the window computed here independently (site-local days, ISO weeks,
``shift=previous``), never written by hand.

Reported: exact answers (every gold number equal to the answer's), correct abstentions,
answers revealing data outside the asker's areas (must be 0), answers with a number no
tool result backs (must be 0; checked again here on the final text), the intent
recognised, p50/p95 latency. The baseline, measured in the same run, is a keyword rule
(the intent whose name words appear in the question, default scope the site, default
window today) answered by the same tools.

The questions here are the development set. Results: ``bench/results/assistant.json``.

Usage: bench/assistant.py [--seed 7] [--db PATH (reuse a built demo database)]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "src"), str(REPO)]

RESULTS = Path(__file__).parent / "results" / "assistant.json"
PASSWORD = "linewise-demo"

# (bench, the answer's facts) -> the numbers the API gives for the same question
Gold = Callable[["Bench", dict[str, Any]], dict[str, Any]]


@dataclass
class Case:
    question: str
    role: str
    intent: str | None  # None: must be refused
    gold: Gold | None = None
    kind: str = "answer"  # answer | unknown | area | off_topic | follow_up
    context_from: int | None = None  # index of the case whose context this one continues
    group: str = ""


@dataclass
class Outcome:
    case: Case
    answer: dict[str, Any]
    ms: float
    exact: bool = False
    abstained_ok: bool = False
    leak: bool = False
    unbacked: tuple[str, ...] = ()
    detail: str = ""
    verified: bool = True  # the numbers were compared with the API's


# --- windows, computed here (not by the assistant's code) ----------------------------------


@dataclass(frozen=True)
class Window:
    words: list[str]  # ways to say it
    query: str  # the KPI route's query string


def windows(now: datetime, tz: str) -> list[Window]:
    today = now.astimezone(ZoneInfo(tz)).date()
    monday_back = today.weekday()
    last_monday = today - timedelta(days=monday_back)
    week = today.isocalendar()
    prev = (today - timedelta(days=7)).isocalendar()
    two_ago = today - timedelta(days=2)
    return [
        Window(["today", "today so far", "for today"], f"day={today}"),
        Window(["yesterday", "yday", "for yesterday"], f"day={today - timedelta(days=1)}"),
        Window(["this week", "so far this week"], f"week={week[0]}-W{week[1]:02d}"),
        Window(["last week", "previous week"], f"week={prev[0]}-W{prev[1]:02d}"),
        Window(["last shift", "the previous shift"], "shift=previous"),
        Window(["this shift", "the current shift"], "shift=current"),
        Window([f"on {two_ago:%A}", f"{two_ago:%A}"], f"day={two_ago}"),
        Window([f"on {two_ago.isoformat()}"], f"day={two_ago}"),
        Window([f"on {last_monday:%d %B}".replace(" 0", " ")], f"day={last_monday}"),
    ]


# --- the bench ----------------------------------------------------------------------------


class Bench:
    def __init__(self, db_url: str, seed: int) -> None:
        from fastapi.testclient import TestClient
        from sqlalchemy import create_engine

        from linewise.config import Settings
        from linewise.server.app import create_app

        self.rng = random.Random(seed)
        # A user asks far more often here than a person would: no per-user rate limit.
        settings = Settings(database_url=db_url, mfa_required_roles="", rate_limit_per_minute=0)
        self.engine = create_engine(db_url)
        self.app = create_app(settings, engine=self.engine)
        self.client_cm = TestClient(self.app)
        self.client = self.client_cm.__enter__()
        self.clients: dict[str, Any] = {}
        for role in ("admin", "planner", "manager", "supervisor", "operator"):
            c = TestClient(self.app)
            r = c.post("/api/v1/auth/login", json={"username": role, "password": PASSWORD})
            r.raise_for_status()
            c.headers["X-CSRF-Token"] = r.json()["csrf_token"]
            self.clients[role] = c
        self.now = datetime.now(UTC)
        self.plan_id = self.publish_plan()

    def publish_plan(self) -> int | None:
        """Solve and publish a plan (5 s) so that plan questions have one to read."""
        planner = self.clients["planner"]
        r = planner.post(
            "/api/v1/schedules", json={"time_limit_s": 5.0, "num_workers": 1, "horizon_days": 7}
        )
        if r.status_code != 202:
            print(f"no plan: {r.status_code} {r.text[:200]}", file=sys.stderr)
            return None
        run_id = r.json()["id"]
        self.app.state.planning.wait(run_id, 120.0)
        run = planner.get(f"/api/v1/schedules/{run_id}").json()
        if run["status"] != "succeeded":
            print(f"no plan: {run['status']}", file=sys.stderr)
            return None
        planner.post(f"/api/v1/plans/{run['plan_id']}/publish", json={}).raise_for_status()
        return int(run["plan_id"])

    def get(self, role: str, url: str) -> Any:
        r = self.clients[role].get(url)
        r.raise_for_status()
        return r.json()

    def ask(self, role: str, question: str, context: dict[str, Any] | None) -> tuple[Any, float]:
        started = time.perf_counter()
        r = self.clients[role].post(
            "/api/v1/assistant/ask", json={"question": question, "context": context}
        )
        ms = (time.perf_counter() - started) * 1000
        r.raise_for_status()
        return r.json(), ms

    def close(self) -> None:
        for c in self.clients.values():
            c.close()
        self.client_cm.__exit__(None, None, None)


# --- catalog of the factory (names only; figures come from the API) ----------------------


@dataclass
class Catalog:
    tz: str
    lines: list[dict[str, Any]] = field(default_factory=list)  # id, code, name, area_code
    machines: list[dict[str, Any]] = field(default_factory=list)  # id, code, line_code
    orders: list[dict[str, Any]] = field(default_factory=list)  # number, status
    areas_of: dict[str, set[str]] = field(default_factory=dict)  # area-scoped role -> codes


def catalog(engine: Any) -> Catalog:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from linewise.domains.equipment.models import Area, Line, Machine, Site
    from linewise.domains.production.models import ProductionOrder

    with Session(engine) as db:
        tz = db.scalars(select(Site.timezone)).first() or "UTC"
        cat = Catalog(tz)
        for lid, code, name, area in db.execute(
            select(Line.id, Line.code, Line.name, Area.code).join(Area, Area.id == Line.area_id)
        ):
            cat.lines.append({"id": lid, "code": code, "name": name, "area": area})
        for mid, code, line_code, area in db.execute(
            select(Machine.id, Machine.code, Line.code, Area.code)
            .join(Line, Line.id == Machine.line_id)
            .join(Area, Area.id == Line.area_id)
        ):
            cat.machines.append({"id": mid, "code": code, "line": line_code, "area": area})
        from linewise.domains.accounts.models import User

        for user in db.scalars(select(User)):
            if user.role in ("operator", "supervisor"):
                cat.areas_of[user.role] = {a.code for a in user.areas}
        for number, status in db.execute(
            select(ProductionOrder.number, ProductionOrder.status).order_by(ProductionOrder.id)
        ):
            cat.orders.append({"number": number, "status": status})
    return cat


# --- gold answers from the API --------------------------------------------------------------


def kpi_gold(role: str, scope: str, scope_id: int, query: str, keys: dict[str, str]) -> Gold:
    """``keys``: the answer's fact name -> where the KPI route has it (kpis.oee, counts.GQ)."""

    def gold(b: Bench, facts: dict[str, Any]) -> dict[str, Any]:
        body = same_instant(b, role, f"/api/v1/kpi/{scope}/{scope_id}", query, facts)
        out = {"window_start": body["window_start"]}
        for fact, path in keys.items():
            value: Any = body
            for part in path.split("."):
                value = value[part]
            out[fact] = value
        return out

    return gold


def same_instant(
    b: Bench, role: str, route: str, query: str, facts: dict[str, Any]
) -> dict[str, Any]:
    """The route's answer for ``query``; a window that runs up to now ("today so far")
    is asked again up to the instant the assistant measured, so that both measure the
    same minutes. Its start comes from the route, so a wrong window still fails."""
    body: dict[str, Any] = b.get(role, f"{route}?{query}")
    window = body["window"]
    if window["end_clipped_to_now"] and "window_end" in facts:
        start = window["start"].replace("+", "%2B")
        end = str(facts["window_end"]).replace("+", "%2B")
        body = b.get(role, f"{route}?from={start}&to={end}")
    body["window_start"] = window["start"]
    return body


def pareto_gold(role: str, scope: str, scope_id: int, query: str) -> Gold:
    def gold(b: Bench, facts: dict[str, Any]) -> dict[str, Any]:
        body = same_instant(b, role, f"/api/v1/kpi/{scope}/{scope_id}/pareto", query, facts)
        return {
            "window_start": body["window_start"],
            "total_duration_s": body["total_duration_s"],
            "top": [
                {"reason": r["key"], "duration_s": r["duration_s"], "stops": r["count"]}
                for r in body["rows"][:3]
            ],
        }

    return gold


def order_gold(role: str, number: str, keys: tuple[str, ...]) -> Gold:
    def gold(b: Bench, facts: dict[str, Any]) -> dict[str, Any]:
        body = b.get(role, f"/api/v1/orders/by-number/{number}")
        stage = body["current_stage"]
        every = {
            "number": body["number"],
            "status": body["status"],
            "progress": body["progress"],
            "late": body["late"],
            "late_by_s": body["late_by_s"],
            "stage.seq": stage["seq"] if stage else None,
            "stage.progress": stage["progress"] if stage else None,
            "planned_finish": body["planned_finish"],
            "due_date": body["due_date"],
        }
        return {k: every[k] for k in keys}

    return gold


def _fact(facts: dict[str, Any], key: str) -> Any:
    value: Any = facts
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            return "<missing>"
        value = value[part]
    return value


def same(expected: Any, got: Any) -> bool:
    if isinstance(expected, float) or isinstance(got, float):
        if expected is None or got is None or isinstance(got, str):
            return expected is None and got is None
        return abs(float(expected) - float(got)) <= 1e-9 * max(1.0, abs(float(expected)))
    if isinstance(expected, str) and isinstance(got, str) and "T" in expected and "T" in got:
        try:
            return datetime.fromisoformat(expected) == datetime.fromisoformat(got)
        except ValueError:
            return expected == got
    if isinstance(expected, list) and isinstance(got, list):
        return len(expected) == len(got) and all(
            same(e, g) for e, g in zip(expected, got, strict=True)
        )
    if isinstance(expected, dict) and isinstance(got, dict):
        return all(same(v, got.get(k, "<missing>")) for k, v in expected.items())
    return bool(expected == got)


# --- the question set -----------------------------------------------------------------------

KPI_PHRASES: dict[str, tuple[list[str], dict[str, str]]] = {
    "oee": (
        [
            "What is the OEE on {s} {w}?",
            "OEE {s} {w}",
            "how's the oee of {s} {w}",
            "show me overall equipment effectiveness for {s} {w}",
            "{s} oee {w}?",
            "what was the OEE of {s} {w}",
            "Could you tell me the OEE for {s} for {w}, please?",
            "oee on {s} {w} pls",
            "whats the OEE {w} on {s}",
            "give me {s}'s oee {w}",
        ],
        {"oee": "kpis.oee"},
    ),
    "availability": (
        [
            "availability of {s} {w}",
            "what was the availability on {s} {w}?",
            "{s} availability {w}",
            "avialability {s} {w}",
            "how available was {s} {w}",
            "uptime of {s} {w}",
        ],
        {"availability": "kpis.availability"},
    ),
    "performance": (
        [
            "performance of {s} {w}",
            "what's the performance rate of {s} {w}",
            "{s} effectiveness {w}",
            "how was the performance on {s} {w}",
        ],
        {"effectiveness": "kpis.effectiveness"},
    ),
    "quality_ratio": (
        [
            "quality rate of {s} {w}",
            "what's the yield on {s} {w}",
            "{s} quality ratio {w}",
            "qualtiy rate {s} {w}",
        ],
        {"quality_ratio": "kpis.quality_ratio"},
    ),
    "mtbf": (
        [
            "MTBF of {s} {w}",
            "mean time between failures for {s} {w}",
            "what's the mtbf on {s} {w}",
        ],
        {"mtbf_s": "kpis.mtbf_s"},
    ),
    "mttr": (
        ["MTTR of {s} {w}", "mean time to repair on {s} {w}", "what was the mttr for {s} {w}"],
        {"mttr_s": "kpis.mttr_s"},
    ),
    "good_count": (
        [
            "how many good boards did {s} make {w}",
            "good units on {s} {w}",
            "how many units did {s} produce {w}?",
            "how much did {s} make {w}",
            "{s} output {w}",
        ],
        {"good": "counts.GQ"},
    ),
    "scrap_count": (
        ["how much scrap on {s} {w}", "{s} scrap {w}", "how many rejects on {s} {w}?"],
        {"scrap": "counts.SQ"},
    ),
}
DOWNTIME_PHRASES = [
    "why was {s} down {w}",
    "top downtime causes on {s} {w}",
    "biggest stops on {s} {w}",
    "downtime pareto {s} {w}",
    "what stopped {s} the most {w}",
    "main reasons for downtime on {s} {w}?",
]
ORDER_PHRASES: dict[str, tuple[list[str], tuple[str, ...]]] = {
    "order_stage": (
        [
            "Which stage is order {o} in?",
            "where is {o}",
            "{o} stage?",
            "what step is order {o} at",
            "which stage is {o} currently in",
            "at what stage is PO {n}",
        ],
        ("stage.seq", "stage.progress", "progress"),
    ),
    "order_late": (
        [
            "is {o} late?",
            "will order {o} be on time",
            "is {o} delayed",
            "is order {n} behind schedule?",
        ],
        ("late", "late_by_s"),
    ),
    "order_eta": (
        ["when will {o} be finished", "ETA for {o}", "when is order {o} done?"],
        ("planned_finish", "due_date"),
    ),
    "order_status": (
        ["status of {o}", "how far along is order {o}", "progress of {o}?", "{o} status"],
        ("status", "progress"),
    ),
}
OFF_TOPIC = [
    "can you order pizza for the night shift",
    "what's the meaning of life",
    "summarise the news",
    "how do I reset my windows password",
    "what time does the canteen open",
    "play some music",
    "who is the best footballer",
    "what's 2 plus 2",
    "what's the weather tomorrow",
    "who won the football last night",
    "write a poem about solder paste",
    "what is the capital of France",
    "tell me a joke",
    "how do I bake bread",
    "what's the price of bitcoin",
    "book me a flight to Munich",
    "translate hello into German",
    "who is the president",
    "what should I cook tonight",
    "how old is the universe",
]
UNKNOWN = [
    ("how much UNOBTAINIUM-5 is in stock", "planner"),
    ("stock of material ZZ-404", "manager"),
    ("is XRAY-1 running?", "admin"),
    ("what's running on WELD-2 right now", "manager"),
    ("open orders for Wayne Enterprises", "planner"),
    ("throughput of PAINT-1 yesterday", "admin"),
    ("first pass yield of smt line 8 this week", "manager"),
    ("what runs next on ROBOT-3", "planner"),
    ("OEE of SMT-9 today", "admin"),
    ("is PO-99999 late?", "planner"),
    ("availability of XRAY-2 yesterday", "manager"),
    ("which stage is order 987654 in", "admin"),
    ("downtime on WELD-1 this week", "manager"),
    ("MTBF of smt line 7 last week", "admin"),
    ("how many good units on PACK-4 today", "planner"),
    ("status of order PO-11111", "manager"),
    ("oee of test line 9 yesterday", "admin"),
    ("why was AOI-3 down today", "manager"),
    ("scrap on DIP-5 this week", "planner"),
    ("when will PO-31337 be done", "admin"),
]


OPEN = "planned,released,in_progress,on_hold"


def route_gold(role: str, url: str, pick: Callable[[Any], dict[str, Any]]) -> Gold:
    """The numbers ``pick`` takes from one API route's answer."""

    def gold(b: Bench, facts: dict[str, Any]) -> dict[str, Any]:
        return pick(b.get(role, url))

    return gold


def floor_states(body: Any, line_code: str | None, machine_code: str | None) -> dict[str, Any]:
    machines = [
        m
        for line in body["lines"]
        for m in line["machines"]
        if (line_code is None or line["code"] == line_code)
        and (machine_code is None or m["code"] == machine_code)
    ]
    stopped = [m for m in machines if m["state"] != "producing"]
    return {"machine_count": len(machines), "stopped_count": len(stopped)}


def shortage_counts(body: Any) -> dict[str, Any]:
    rows = body["orders"]
    return {
        "orders": len({r["order_id"] for r in rows}),
        "materials_short": len({r["material"]["id"] for r in rows}),
    }


def risky(body: Any) -> dict[str, Any]:
    items = body["items"]
    return {"open_count": len(items), "count": sum(i["p_late"] >= 0.5 for i in items)}


# intent -> phrasings; {l} a line, {m} a machine, {mat} a material, {p} a product,
# {c} a customer. The gold is made in ``more_cases``.
MORE_PHRASES: dict[str, list[str]] = {
    "late_orders": [
        "which orders are late?",
        "any late orders",
        "list the orders that are behind schedule",
        "how many orders are overdue right now",
        "show me late orders please",
    ],
    "orders_for_product": [
        "open orders of {p}",
        "which orders are there for {p}",
        "how many orders for product {p} are open",
    ],
    "orders_for_customer": [
        "orders for {c}",
        "what's open for {c}",
        "show the open orders of customer {c}",
    ],
    "stopped_machines": [
        "which machines are down",
        "which machines are stopped right now",
        "anything stopped atm?",
        "what is not running at the moment",
    ],
    "machine_state": [
        "is {m} running?",
        "what state is {m} in",
        "is {m} down right now",
        "status of machine {m}",
    ],
    "throughput": [
        "throughput of {l} yesterday",
        "uph of {l} today",
        "units per hour on {l} this week",
    ],
    "unassigned_stops": [
        "which stops still have no reason?",
        "downtime queue",
        "stops without a reason code",
    ],
    "stock_of_material": [
        "how much {mat} is in stock?",
        "stock of {mat}",
        "do we have {mat} on hand",
        "how many {mat} are left in the store",
    ],
    "shortages": [
        "which materials are short?",
        "what are we short of for the planned orders",
        "material shortages",
        "are any parts missing for open orders",
    ],
    "at_risk_orders": [
        "which orders are at risk of being late",
        "orders at risk",
        "which orders might miss their due date",
    ],
    "open_alerts": ["any open alerts?", "show me the alarms", "what alerts are firing"],
    "open_nonconformances": ["open NCRs?", "any open nonconformances", "what's on quality hold"],
    "orders_due": ["what's due this week", "which orders are due this week?"],
    "bottleneck": [
        "which stage is causing delays for this week's plan?",
        "what is the bottleneck this week",
        "where are orders delayed this week",
    ],
    # The quality figures route has no line filter: the site's FPY is what it can check.
    "first_pass_yield": ["first pass yield this week", "what's the FPY this week"],
    # Answered from routes whose figures move with the clock or that need people and plans
    # the demo may not have: judged by the intent and by answering, not by the numbers.
    "plan_on_line": ["what is planned on {l} today", "what's on the plan for {l} today"],
    "next_on_line": ["what runs next on {l}", "which order is next on {l}"],
    "running_on_line": ["what order is {l} running now", "what's running on {l} right now"],
    "machine_health": ["which machine is likely to fail", "health of {m}"],
    "maintenance_due": ["which machines have maintenance due", "is any maintenance overdue"],
    "who_works_where": ["who is working on {l} now", "who's on {l}"],
    "spc_violations": ["any SPC violations on {l}?", "is {l} out of control"],
    "order_delay_cause": ["what's holding up {o}", "why is {o} delayed"],
}
UNVERIFIED = {
    "plan_on_line",
    "next_on_line",
    "running_on_line",
    "machine_health",
    "maintenance_due",
    "who_works_where",
    "spc_violations",
    "order_delay_cause",
}


def more_cases(b: Bench, cat: Catalog, engine: Any) -> list[Case]:
    """Cases for the floor, stock, quality, delivery and order-list intents."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from linewise.domains.inventory.models import Material
    from linewise.domains.production.models import CustomerOrder, Product

    rng = b.rng
    with Session(engine) as db:
        materials = [(r[0], r[1]) for r in db.execute(select(Material.id, Material.code))]
        products = [(r[0], r[1]) for r in db.execute(select(Product.id, Product.code))]
        customers = sorted(set(db.scalars(select(CustomerOrder.customer))))
    roles = ["admin", "manager", "planner"]
    out: list[Case] = []
    for intent_name, phrases in MORE_PHRASES.items():
        for phrase in phrases:
            for _ in range(2 if "{" in phrase else 1):
                # Who works where is for the floor's leads and managers (labour:read).
                role = rng.choice(["admin", "manager"] if "who" in phrase else roles)
                line = rng.choice(cat.lines)
                machine = rng.choice(cat.machines)
                material = rng.choice(materials)
                product = rng.choice(products)
                customer = rng.choice(customers) if customers else "nobody"
                order = rng.choice(
                    [o for o in cat.orders if o["status"] in ("released", "in_progress")]
                )
                question = phrase.format(
                    o=order["number"],
                    l=rng.choice(line_words(line)),
                    m=machine["code"],
                    mat=material[1],
                    p=product[1],
                    c=customer,
                )
                gold: Gold | None = None
                if intent_name == "late_orders":
                    gold = route_gold(
                        role,
                        f"/api/v1/orders?late=true&status={OPEN}&limit=1",
                        lambda body: {"count": body["total"]},
                    )
                elif intent_name == "orders_for_product":
                    gold = route_gold(
                        role,
                        f"/api/v1/orders?status={OPEN}&product_id={product[0]}&limit=1",
                        lambda body: {"count": body["total"]},
                    )
                elif intent_name == "orders_for_customer":
                    gold = route_gold(
                        role,
                        f"/api/v1/orders?status={OPEN}&limit=500",
                        lambda body, c=customer: {
                            "count": sum(
                                (o["customer_order"] or {}).get("customer") == c
                                for o in body["items"]
                            )
                        },
                    )
                elif intent_name == "stopped_machines":
                    gold = route_gold(
                        role, "/api/v1/floor", lambda b_: floor_states(b_, None, None)
                    )
                elif intent_name == "machine_state":
                    gold = route_gold(
                        role,
                        "/api/v1/floor",
                        lambda b_, m=machine["code"]: floor_states(b_, None, m),
                    )
                elif intent_name == "throughput":
                    win = {"yesterday": 1, "today": 0}.get(question.split()[-1])
                    wins = windows(b.now, cat.tz)
                    w = wins[1] if win == 1 else wins[0] if win == 0 else wins[2]
                    gold = kpi_gold(
                        role,
                        "line",
                        line["id"],
                        w.query,
                        {"throughput_rate_per_hour": "kpis.throughput_rate_per_hour"},
                    )
                elif intent_name == "unassigned_stops":
                    gold = route_gold(
                        role, "/api/v1/downtime/unassigned", lambda body: {"total": body["total"]}
                    )
                elif intent_name == "stock_of_material":
                    gold = route_gold(
                        role,
                        f"/api/v1/materials/{material[0]}/stock",
                        lambda body: {
                            k: body["availability"][k] for k in ("on_hand", "reserved", "available")
                        },
                    )
                elif intent_name == "shortages":
                    gold = route_gold(role, "/api/v1/stock/shortages", shortage_counts)
                elif intent_name == "at_risk_orders":
                    gold = route_gold(role, "/api/v1/delivery/orders", risky)
                elif intent_name == "open_alerts":
                    gold = route_gold(
                        role,
                        "/api/v1/alerts",
                        lambda body: {"open": sum(a["status"] != "resolved" for a in body)},
                    )
                elif intent_name == "open_nonconformances":
                    gold = route_gold(
                        role,
                        "/api/v1/quality/nonconformances?status=open",
                        lambda body: {"total": body["total"]},
                    )
                elif intent_name == "orders_due":
                    start, end = week_bounds(b.now, cat.tz)
                    gold = route_gold(
                        role,
                        f"/api/v1/orders?due_after={start}&due_before={end}&limit=1",
                        lambda body: {"count": body["total"]},
                    )
                elif intent_name == "bottleneck":
                    start, end = week_bounds(b.now, cat.tz)
                    gold = route_gold(
                        role,
                        f"/api/v1/delivery/attribution?from={start}&to={end}",
                        lambda body: {"late_orders": body["late_orders"]},
                    )
                elif intent_name == "first_pass_yield":
                    gold = fpy_gold(role, b.now, cat.tz)
                elif intent_name in UNVERIFIED:
                    gold = ANSWERED
                out.append(Case(question, role, intent_name, gold, group=intent_name))
    return out


def ANSWERED(b: Bench, facts: dict[str, Any]) -> dict[str, Any]:
    """No numbers compared: the question counts as answered when the intent is right."""
    return {}


def week_bounds(now: datetime, tz: str) -> tuple[str, str]:
    zone = ZoneInfo(tz)
    today = now.astimezone(zone).date()
    monday = datetime.combine(today - timedelta(days=today.weekday()), datetime.min.time(), zone)
    start = monday.astimezone(UTC)
    end = (monday + timedelta(days=7)).astimezone(UTC)
    return (
        start.isoformat().replace("+00:00", "Z"),
        end.isoformat().replace("+00:00", "Z"),
    )


def fpy_gold(role: str, now: datetime, tz: str) -> Gold:
    def gold(b: Bench, facts: dict[str, Any]) -> dict[str, Any]:
        start, _end = week_bounds(now, tz)
        until = str(facts.get("end", "")).replace("+00:00", "Z").replace("+", "%2B")
        body = b.get(role, f"/api/v1/quality/figures?from={start}&to={until}")
        return {"fpy": body["fpy"], "inspected": body["inspected"]}

    return gold


def line_words(line: dict[str, Any]) -> list[str]:
    code = line["code"]
    head, num = code.rsplit("-", 1)
    words = [code, f"{head} line {num}", f"{head.lower()}{num}", f"line {code}", line["name"]]
    return words


def typo(text: str, rng: random.Random) -> str:
    """Swap two letters inside one longer word (a fat-finger typo)."""
    words = text.split(" ")
    long = [i for i, w in enumerate(words) if w.isalpha() and len(w) >= 6]
    if not long:
        return text
    i = rng.choice(long)
    w = words[i]
    j = rng.randrange(1, len(w) - 2)
    words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    return " ".join(words)


def build_cases(b: Bench, cat: Catalog) -> list[Case]:
    rng = b.rng
    wins = windows(b.now, cat.tz)
    operator_areas = cat.areas_of.get("operator", set())
    other_lines = [x for x in cat.lines if x["area"] not in operator_areas]
    cases: list[Case] = []

    def scope_pick(role: str) -> tuple[str, str, int]:
        areas = cat.areas_of.get(role)
        lines = [x for x in cat.lines if areas is None or x["area"] in areas]
        if rng.random() < 0.25:
            machines = [m for m in cat.machines if m["line"] in {x["code"] for x in lines}]
            m = rng.choice(machines)
            return rng.choice([m["code"], m["code"].lower()]), "machine", m["id"]
        line = rng.choice(lines)
        return rng.choice(line_words(line)), "line", line["id"]

    roles = ["admin", "manager", "planner", "supervisor", "operator"]
    for intent_name, (phrases, keys) in KPI_PHRASES.items():
        for phrase in phrases:
            for _ in range(2):
                role = rng.choice(roles)
                words, scope, sid = scope_pick(role)
                win = rng.choice(wins)
                question = phrase.format(s=words, w=rng.choice(win.words))
                cases.append(
                    Case(
                        question,
                        role,
                        intent_name,
                        kpi_gold(role, scope, sid, win.query, keys),
                        group=intent_name,
                    )
                )
    for phrase in DOWNTIME_PHRASES:
        for _ in range(2):
            role = rng.choice(roles)
            words, scope, sid = scope_pick(role)
            win = rng.choice(wins[:4])
            cases.append(
                Case(
                    phrase.format(s=words, w=rng.choice(win.words)),
                    role,
                    "downtime_causes",
                    pareto_gold(role, scope, sid, win.query),
                    group="downtime_causes",
                )
            )
    open_orders = [o for o in cat.orders if o["status"] in ("released", "in_progress")]
    for intent_name, (phrases, keys) in ORDER_PHRASES.items():
        for phrase in phrases:
            for _ in range(2):
                order = rng.choice(open_orders)
                number = order["number"]
                digits = number.rsplit("-", 1)[-1]
                ref = rng.choice([number, number.lower(), f"order {digits}", number])
                role = rng.choice(roles)
                cases.append(
                    Case(
                        phrase.format(o=ref, n=digits),
                        role,
                        intent_name,
                        order_gold(role, number, keys),
                        group=intent_name,
                    )
                )
    # Typos in a tenth of the answerable questions.
    for case in rng.sample(cases, k=len(cases) // 10):
        case.question = typo(case.question, rng)
    # Follow-ups: "and yesterday?" after a KPI question; "what about <line>?"
    for _ in range(6):
        line = rng.choice(cat.lines)
        today, yesterday = wins[0], wins[1]
        first = len(cases)
        cases.append(
            Case(
                f"OEE of {line['code']} today",
                "manager",
                "oee",
                kpi_gold("manager", "line", line["id"], today.query, {"oee": "kpis.oee"}),
                group="oee",
            )
        )
        cases.append(
            Case(
                "and yesterday?",
                "manager",
                "oee",
                kpi_gold("manager", "line", line["id"], yesterday.query, {"oee": "kpis.oee"}),
                kind="follow_up",
                context_from=first,
                group="follow_up",
            )
        )
        other = rng.choice([x for x in cat.lines if x is not line])
        cases.append(
            Case(
                f"what about {other['code']}?",
                "manager",
                "oee",
                kpi_gold("manager", "line", other["id"], yesterday.query, {"oee": "kpis.oee"}),
                kind="follow_up",
                context_from=first + 1,
                group="follow_up",
            )
        )
    # Refusals: unknown names, other areas (the operator sees SMT only), off-topic.
    for question, role in UNKNOWN:
        cases.append(Case(question, role, None, kind="unknown", group="refuse_unknown"))
    area_phrases = [p for ps, _k in KPI_PHRASES.values() for p in ps]
    for question in ("who is working on SMT-1 now", "where is anna working", "who's on SMT-2"):
        cases.append(Case(question, "operator", None, kind="permission", group="refuse_role"))
    for _ in range(40):
        line = rng.choice(other_lines)
        win = rng.choice(wins)
        if rng.random() < 0.3:
            machine = rng.choice([m for m in cat.machines if m["line"] == line["code"]])
            words = machine["code"]
        else:
            words = rng.choice(line_words(line))
        question = rng.choice(area_phrases + DOWNTIME_PHRASES).format(
            s=words, w=rng.choice(win.words)
        )
        cases.append(Case(question, "operator", None, kind="area", group="refuse_area"))
    for question in OFF_TOPIC:
        cases.append(
            Case(question, rng.choice(roles), None, kind="off_topic", group="refuse_off_topic")
        )
    return cases


# --- judging ------------------------------------------------------------------------------


def judge(b: Bench, case: Case, answer: dict[str, Any], ms: float) -> Outcome:
    from linewise.assistant import provenance

    out = Outcome(case, answer, ms)
    facts = answer.get("facts") or {}
    if not answer["abstained"]:
        checked = provenance.check(
            answer["text"], [facts], [answer.get("window") or ""], case.question
        )
        out.unbacked = checked.unbacked
    if case.gold is None:
        out.abstained_ok = bool(answer["abstained"])
        out.leak = case.kind == "area" and not answer["abstained"] and bool(facts)
        if not out.abstained_ok:
            out.detail = f"answered: {answer['text'][:120]}"
        return out
    if answer["abstained"]:
        out.detail = f"abstained: {answer['text'][:120]}"
        return out
    expected = case.gold(b, facts)
    if case.gold is ANSWERED:
        out.exact = answer.get("intent") == case.intent
        out.verified = False
        if not out.exact:
            out.detail = f"intent {answer.get('intent')}"
        return out
    wrong = {k: (v, _fact(facts, k)) for k, v in expected.items() if not same(v, _fact(facts, k))}
    out.exact = not wrong
    if wrong:
        out.detail = f"intent {answer.get('intent')}: " + "; ".join(
            f"{k} expected {v[0]!r} got {v[1]!r}" for k, v in list(wrong.items())[:3]
        )
    return out


def run(b: Bench, cases: list[Case]) -> list[Outcome]:
    outcomes: list[Outcome] = []
    for i, case in enumerate(cases):
        context = None
        if case.context_from is not None:
            context = outcomes[case.context_from].answer.get("context")
        answer, ms = b.ask(case.role, case.question, context)
        outcomes.append(judge(b, case, answer, ms))
        if (i + 1) % 50 == 0:
            print(f"  {i + 1}/{len(cases)} asked", file=sys.stderr)
    return outcomes


# The baseline: a keyword rule over the same tools (site scope, today, first order number).
BASELINE_WORDS = [
    ("oee", "kpi_figures"),
    ("availab", "kpi_figures"),
    ("perform", "kpi_figures"),
    ("quality", "kpi_figures"),
    ("mtbf", "kpi_figures"),
    ("mttr", "kpi_figures"),
    ("good", "kpi_figures"),
    ("scrap", "kpi_figures"),
    ("down", "downtime_pareto"),
    ("stage", "order_status"),
    ("late", "order_status"),
    ("when", "order_status"),
    ("status", "order_status"),
]


def baseline(b: Bench, cases: list[Case], site_id: int) -> dict[str, Any]:
    import re

    exact = abstained_ok = leaks = answered = refusals = 0
    for case in cases:
        q = case.question.lower()
        tool = next((t for w, t in BASELINE_WORDS if w in q), None)
        args: dict[str, Any] = {"scope": "site", "id": site_id}
        if tool == "order_status":
            m = re.search(r"po-\d+", q)
            args = {"number": m.group(0).upper()} if m else {}
        facts = None
        if tool is not None and args:
            r = b.clients[case.role].post(f"/api/v1/assistant/tools/{tool}", json=args)
            facts = r.json()["facts"] if r.status_code == 200 else None
        if case.gold is None:
            refusals += 1
            abstained_ok += facts is None
            leaks += case.kind == "area" and facts is not None
            continue
        answered += 1
        if facts is not None:
            expected = case.gold(b, facts)
            exact += all(same(v, _fact(facts, k)) for k, v in expected.items())
    return {
        "exact": exact / max(answered, 1),
        "correct_abstentions": abstained_ok / max(refusals, 1),
        "leaks": leaks,
    }


def summarise(outcomes: list[Outcome]) -> dict[str, Any]:
    answerable = [o for o in outcomes if o.case.gold is not None]
    verified = [o for o in answerable if o.case.gold is not ANSWERED]
    unverified = [o for o in answerable if o.case.gold is ANSWERED]
    refusals = [o for o in outcomes if o.case.gold is None]
    ms = sorted(o.ms for o in outcomes)
    by_group: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        by_group[o.case.group].append(o)
    return {
        "questions": len(outcomes),
        "answerable": len(answerable),
        "must_refuse": len(refusals),
        "intents": len({o.case.intent for o in answerable}),
        "verified": len(verified),
        "exact": sum(o.exact for o in verified) / max(len(verified), 1),
        "unverified": len(unverified),
        "unverified_answered": sum(o.exact for o in unverified) / max(len(unverified), 1),
        "intent_recognised": sum(o.answer.get("intent") == o.case.intent for o in answerable)
        / max(len(answerable), 1),
        "correct_abstentions": sum(o.abstained_ok for o in refusals) / max(len(refusals), 1),
        "leaks": sum(o.leak for o in refusals),
        "unbacked_numbers": sum(bool(o.unbacked) for o in outcomes),
        "p50_ms": statistics.median(ms),
        "p95_ms": ms[int(0.95 * (len(ms) - 1))],
        "by_group": {
            g: {
                "n": len(os_),
                "ok": sum(o.exact or o.abstained_ok for o in os_),
            }
            for g, os_ in sorted(by_group.items())
        },
        "misses": [
            {"q": o.case.question, "role": o.case.role, "why": o.detail}
            for o in outcomes
            if not (o.exact or o.abstained_ok)
        ],
    }


def print_table(s: dict[str, Any], base: dict[str, Any]) -> None:
    print(
        f"\n{s['questions']} questions ({s['answerable']} answerable over {s['intents']} "
        f"intents, {s['must_refuse']} to refuse)\n"
    )
    rows: list[tuple[str, str, str, str]] = []
    for label, key in (
        (f"exact answers ({s['verified']})", "exact"),
        (f"correct abstentions ({s['must_refuse']})", "correct_abstentions"),
    ):
        ratio = s[key] / base[key] if base[key] else float("inf")
        rows.append((label, f"{s[key]:.1%}", f"{base[key]:.1%}", f"{ratio:.2f}"))
    rows += [
        (
            f"answered, numbers not compared ({s['unverified']})",
            f"{s['unverified_answered']:.1%}",
            "—",
            "",
        ),
        ("answers leaking other areas", str(s["leaks"]), str(base["leaks"]), ""),
        ("answers with unbacked numbers", str(s["unbacked_numbers"]), "—", ""),
        ("intent recognised", f"{s['intent_recognised']:.1%}", "—", ""),
        ("latency p50 / p95 (ms)", f"{s['p50_ms']:.0f} / {s['p95_ms']:.0f}", "—", ""),
    ]
    print(f"| {'measure':32} | {'offline default':>15} | {'keyword rule':>12} | ratio |")
    print(f"|{'-' * 34}|{'-' * 17}|{'-' * 14}|-------|")
    for label, ours, theirs, ratio in rows:
        print(f"| {label:32} | {ours:>15} | {theirs:>12} | {ratio:>5} |")
    print("\nby intent / group (ok of n):")
    for g, v in s["by_group"].items():
        print(f"  {g:28} {v['ok']:>3} / {v['n']}")
    if s["misses"]:
        print(f"\nmisses ({len(s['misses'])}):")
        for m in s["misses"][:40]:
            print(f"  [{m['role']}] {m['q']!r}: {m['why']}")


def build_demo(path: Path, seed: int, days: int) -> str:
    url = f"sqlite:///{path}"
    env = {**os.environ, "LINEWISE_DATABASE_URL": url}
    print(f"building the demo factory (seed {seed}, {days} days of history) ...", file=sys.stderr)
    subprocess.run(
        [sys.executable, "-m", "linewise.cli.main", "demo", "--seed", str(seed),
         "--history-days", str(days)],
        env={**env, "PYTHONPATH": str(REPO / "src")},
        check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return url


def paraphrase_run(b: Bench, router_on: bool) -> dict[str, dict[str, int]]:
    """The unseen-wording set (bench/assistant_paraphrases.py) through the API as the
    admin, with or without the paraphrase router: right intent, wrong intent, abstained
    (no intent), and off-topic questions refused or answered, per half."""
    from assistant_paraphrases import PARAPHRASES

    from linewise.assistant import router

    saved = router._BUILT, router._ROUTER
    if not router_on:
        router._BUILT, router._ROUTER = True, None  # the grammar alone
    counts: dict[str, Counter[str]] = {"tuning half": Counter(), "held-out half": Counter()}
    try:
        for i, (question, gold) in enumerate(PARAPHRASES):
            answer, _ms = b.ask("admin", question, None)
            got = answer.get("intent") or (answer.get("context") or {}).get("intent")
            if gold is None:
                kind = "off-topic refused" if answer["abstained"] else "off-topic answered"
            elif got is None:
                kind = "abstained"
            else:
                kind = "right" if got == gold else "wrong"
            counts["tuning half" if i % 2 == 0 else "held-out half"][kind] += 1
    finally:
        router._BUILT, router._ROUTER = saved
    return {half: dict(c) for half, c in counts.items()}


def print_paraphrases(result: dict[str, dict[str, dict[str, int]]]) -> None:
    kinds = ["right", "wrong", "abstained", "off-topic refused", "off-topic answered"]
    print("\n| unseen wording | " + " | ".join(kinds) + " |")
    print("|---|" + "---:|" * len(kinds))
    for setup, halves in result.items():
        for half, c in halves.items():
            cells = " | ".join(str(c.get(k, 0)) for k in kinds)
            print(f"| {setup}, {half} | {cells} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--days", type=int, default=7, help="days of demo history")
    parser.add_argument("--db", type=Path, help="reuse this demo database (SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "demo.db"
        url = f"sqlite:///{path}" if args.db else build_demo(path, args.seed, args.days)
        b = Bench(url, args.seed)
        try:
            cat = catalog(b.engine)
            cases = build_cases(b, cat) + more_cases(b, cat, b.engine)
            b.ask("admin", "warm up: OEE today", None)  # imports and caches, not measured
            outcomes = run(b, cases)
            site_id = b.get("admin", "/api/v1/sites")["items"][0]["id"]
            base = baseline(b, cases, site_id)
            paraphrases = {
                "grammar alone": paraphrase_run(b, router_on=False),
                "grammar + paraphrase router": paraphrase_run(b, router_on=True),
            }
        finally:
            b.close()
    summary = summarise(outcomes)
    print_table(summary, base)
    print_paraphrases(paraphrases)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "seed": args.seed,
        "measured_at": datetime.now(UTC).isoformat(),
        "offline": {k: v for k, v in summary.items()},
        "keyword_rule": base,
        "counts": dict(Counter(o.case.kind for o in outcomes)),
        "unseen_wording": paraphrases,
    }
    RESULTS.write_text(json.dumps(report, indent=2, default=str))
    print(f"\nwrote {RESULTS.relative_to(REPO)}")


if __name__ == "__main__":
    main()
