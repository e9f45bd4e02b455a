"""`linewise demo`: load the demo factory into an empty database (and serve it)."""

from __future__ import annotations

import os
import sys
import time
from datetime import UTC, datetime

import click

from linewise.cli.context import settings, unit_of_work
from linewise.demo.factory import build_factory
from linewise.demo.load import DEMO_PASSWORD, DEMO_USERS, database_is_empty, load_factory
from linewise.simulation.spec import FactorySpec


@click.command()
@click.option("--serve", is_flag=True, help="Start the server afterwards (what `make demo` does).")
@click.option("--orders", default=40, show_default=True, help="Open production orders to create.")
@click.option("--seed", default=7, show_default=True, help="Random seed of the demo data.")
@click.option(
    "--history-days",
    type=click.IntRange(min=0, max=366),
    default=28,
    show_default=True,
    help="Days of past production to simulate before serving (0: none).",
)
@click.option(
    "--around-the-clock/--two-shifts",
    default=True,
    show_default=True,
    help="The demo plant works three shifts every day, or two on weekdays.",
)
@click.option(
    "--live/--no-live",
    default=True,
    show_default=True,
    help="With --serve: the simulator feeds machine data so the floor is alive.",
)
@click.option(
    "--speed",
    default=1.0,
    show_default=True,
    help="Above 1, the live feed plays the last stretch of the past it replays at this many "
    "simulated seconds per second (for about ten minutes), then follows the clock: machine "
    "data is never stamped ahead of the real time.",
)
def demo(
    serve: bool,
    orders: int,
    seed: int,
    history_days: int,
    around_the_clock: bool,
    live: bool,
    speed: float,
) -> None:
    """Load the demo electronics factory into an empty database.

    Creates one site with SMT-1, SMT-2, DIP-1, TEST-1 and PACK-1, ten products with
    routings and BOMs, operators, reason codes and open orders over the next two weeks,
    plus one demo user per role. By default the plant works around the clock (three
    shifts, every day), and the past four weeks are simulated first (their orders
    produced, their machine data stored, the KPI rollups filled), so that trends, Pareto
    and MTBF have data from the first minute. A database that already holds a factory
    is left as it is.
    """
    from linewise.core.migrate import upgrade

    dispatch_like_the_simulated_floor()
    cfg = settings()
    upgrade(cfg.database_url)
    started = time.monotonic()
    now = datetime.now(UTC)
    spec = build_factory(
        now,
        orders=orders,
        seed=seed,
        around_the_clock=around_the_clock,
        history_days=history_days,
    )
    loaded = False
    with unit_of_work(actor="cli:demo") as db:
        if database_is_empty(db):
            report = load_factory(db, spec)
            loaded = True
            click.echo(
                f"demo factory loaded in {time.monotonic() - started:.1f} s: "
                f"{report.lines} lines, {report.machines} machines, {report.products} products, "
                f"{report.operators} operators, {report.orders} open orders"
                + (f", {report.past_orders} past orders" if report.past_orders else "")
            )
        else:
            click.echo("the database already holds a factory; leaving it as it is")
    if loaded and history_days:
        _simulate_history(cfg.database_url, spec, history_days)
    click.echo(
        "\nDemo users (demo only: change or remove them before real use):\n"
        + "\n".join(
            f"  {name:<11} {role.value:<11} password: {DEMO_PASSWORD}"
            for name, role, *_ in DEMO_USERS
        )
    )
    if serve:
        from functools import partial

        import uvicorn

        from linewise.demo.live_feed import run_live_feed
        from linewise.server.app import create_app

        url = f"http://{cfg.host}:{cfg.port}"
        background = (
            [partial(run_live_feed, orders=orders, speed=speed, factory_seed=seed)] if live else []
        )
        if live:
            click.echo(
                "The simulator continues after the last stored machine data "
                "(or replays today so far, at least 8 hours), then runs live."
            )
        click.echo(f"\nLinewise is starting on {url}  (API docs: {url}/docs; stop with Ctrl+C)\n")
        if "LINEWISE_MFA_REQUIRED_ROLES" not in os.environ:
            # The demo users sign in with the well-known password alone; a real site
            # keeps the default (TOTP for supervisors, managers and admins).
            cfg = cfg.model_copy(update={"mfa_required_roles": ""})
            click.echo("MFA is not required in the demo (LINEWISE_MFA_REQUIRED_ROLES).")
        app = create_app(cfg, background=background)  # type: ignore[arg-type]
        uvicorn.run(app, host=cfg.host, port=cfg.port, log_level="warning", **cfg.proxy_options())


def dispatch_like_the_simulated_floor() -> None:
    """The demo's floor is the simulator, which starts the ready operation due first
    (one of the setup family a line runs may jump ``family_preference_h`` ahead): the
    delivery estimates forecast with that rule (docs/delivery.md: 1 false late alarm in
    20 flags instead of 4 in 23 on the held-out run). A site sets it by its own floor;
    an explicit setting wins here too."""
    from linewise.config import get_settings
    from linewise.simulation.model import SimParams

    os.environ.setdefault("LINEWISE_DELIVERY_DISPATCH", "due_date")
    os.environ.setdefault(
        "LINEWISE_DELIVERY_FAMILY_PREFERENCE_H", str(SimParams().family_preference_h)
    )
    get_settings.cache_clear()


def _simulate_history(database_url: str, spec: FactorySpec, days: int) -> None:
    """Simulate the past ``days`` days into the database, showing how far it is."""
    from linewise.core import audit
    from linewise.core.db import make_engine, make_session_factory
    from linewise.demo.history import backfill_history

    audit.install()
    engine = make_engine(database_url)
    began = time.monotonic()
    tty = sys.stdout.isatty()
    shown = [-1]

    def progress(done: float, events: int) -> None:
        day = int(done * days)
        if day == shown[0] and done < 1.0:
            return
        shown[0] = day
        text = (
            f"simulating the past {days} days: {day}/{days} days done ({done:.0%}), "
            f"{events:,} machine events stored, {time.monotonic() - began:.0f} s"
        )
        click.echo(("\r" + text) if tty else text, nl=not tty)

    try:
        report = backfill_history(
            engine, make_session_factory(engine), spec, days=days, on_progress=progress
        )
    finally:
        engine.dispose()
    if tty:
        click.echo()
    click.echo(
        f"history simulated in {report.seconds:.0f} s: {report.events:,} machine events, "
        f"{report.orders_completed} orders completed, {report.deliveries} supplier deliveries"
        f" booked, {report.rollup_days} machine-days of "
        "KPI rollups filled" + (f"; {report.rejected} events refused" if report.rejected else "")
    )
