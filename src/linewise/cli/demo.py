"""`linewise demo`: load the demo factory into an empty database (and serve it)."""

from __future__ import annotations

import time

import click

from linewise.cli.context import settings, unit_of_work
from linewise.demo.factory import build_factory
from linewise.demo.load import DEMO_PASSWORD, DEMO_USERS, database_is_empty, load_factory


@click.command()
@click.option("--serve", is_flag=True, help="Start the server afterwards (what `make demo` does).")
@click.option("--orders", default=40, show_default=True, help="Open production orders to create.")
@click.option("--seed", default=7, show_default=True, help="Random seed of the demo data.")
@click.option(
    "--live/--no-live",
    default=True,
    show_default=True,
    help="With --serve: the simulator feeds machine data so the floor is alive.",
)
@click.option("--speed", default=1.0, show_default=True, help="Simulated seconds per second.")
def demo(serve: bool, orders: int, seed: int, live: bool, speed: float) -> None:
    """Load the demo electronics factory into an empty database.

    Creates one site with SMT-1, SMT-2, DIP-1, TEST-1 and PACK-1, ten products with
    routings and BOMs, two shifts of operators, reason codes and open orders over the
    next two weeks, plus one demo user per role. A database that already holds a factory
    is left as it is.
    """
    from linewise.core.migrate import upgrade

    cfg = settings()
    upgrade(cfg.database_url)
    started = time.monotonic()
    with unit_of_work(actor="cli:demo") as db:
        if database_is_empty(db):
            report = load_factory(db, build_factory(orders=orders, seed=seed))
            click.echo(
                f"demo factory loaded in {time.monotonic() - started:.1f} s: "
                f"{report.lines} lines, {report.machines} machines, {report.products} products, "
                f"{report.operators} operators, {report.orders} orders"
            )
        else:
            click.echo("the database already holds a factory; leaving it as it is")
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

        from linewise.api.app import create_app
        from linewise.demo.live_feed import run_live_feed

        url = f"http://{cfg.host}:{cfg.port}"
        background = (
            [partial(run_live_feed, orders=orders, speed=speed, factory_seed=seed)] if live else []
        )
        if live:
            click.echo("The simulator replays today so far (at least 8 hours), then runs live.")
        click.echo(f"\nLinewise is starting on {url}  (API docs: {url}/docs; stop with Ctrl+C)\n")
        app = create_app(cfg, background=background)  # type: ignore[arg-type]
        uvicorn.run(app, host=cfg.host, port=cfg.port, log_level="warning", **cfg.proxy_options())
