"""`linewise user ...` and `linewise apikey ...`."""

from __future__ import annotations

import click
from sqlalchemy import select

from linewise.cli.context import unit_of_work
from linewise.core.security import Role
from linewise.domains.accounts import service
from linewise.domains.accounts.models import ApiKeyScope, User
from linewise.domains.equipment.models import Area

ROLE = click.Choice([r.value for r in Role])


def _area_ids(db: object, codes: tuple[str, ...]) -> list[int]:
    from sqlalchemy.orm import Session

    assert isinstance(db, Session)
    ids = []
    for code in codes:
        area = db.scalar(select(Area).where(Area.code == code))
        if area is None:
            raise click.ClickException(f"unknown area code '{code}'")
        ids.append(area.id)
    return ids


@click.group("user")
def user_group() -> None:
    """Create and manage users."""


@user_group.command("create")
@click.argument("username")
@click.option("--role", type=ROLE, required=True, help="operator, supervisor, planner, ...")
@click.option("--full-name", default="", help="Display name.")
@click.option("--area", "areas", multiple=True, help="Area code (repeat); scopes operators.")
@click.password_option(help="Password (prompted when omitted; at least 10 characters).")
def user_create(
    username: str, role: str, full_name: str, areas: tuple[str, ...], password: str
) -> None:
    """Create a user (for example the first admin)."""
    with unit_of_work() as db:
        user = service.create_user(
            db,
            username=username,
            password=password,
            role=Role(role),
            full_name=full_name,
            area_ids=_area_ids(db, areas),
        )
        db.flush()
        click.echo(f"created user {user.username} ({user.role}), id {user.id}")


@user_group.command("list")
def user_list() -> None:
    """List users with their roles and areas."""
    with unit_of_work() as db:
        for u in db.scalars(select(User).order_by(User.username)):
            areas = ",".join(a.code for a in u.areas) or "-"
            state = "" if u.active else " (disabled)"
            click.echo(f"{u.username:20} {u.role:11} areas={areas}{state}")


@user_group.command("set-role")
@click.argument("username")
@click.argument("role", type=ROLE)
def user_set_role(username: str, role: str) -> None:
    """Change a user's role."""
    with unit_of_work() as db:
        user = db.scalar(select(User).where(User.username == username))
        if user is None:
            raise click.ClickException(f"no user '{username}'")
        user.role = role
        click.echo(f"{username} is now {role}")


@click.group("apikey")
def apikey_group() -> None:
    """Create API keys for devices (ingest only) and integrations (act with a role)."""


@apikey_group.command("create")
@click.argument("name")
@click.option("--scope", type=click.Choice(["device", "integration"]), required=True)
@click.option("--role", type=ROLE, default=None, help="Role of an integration key.")
def apikey_create(name: str, scope: str, role: str | None) -> None:
    """Create a key and print its token once."""
    with unit_of_work() as db:
        key, token = service.create_api_key(
            db, name=name, scope=ApiKeyScope(scope), role=Role(role) if role else None
        )
        db.flush()
        click.echo(f"key {key.name} ({key.scope}) id {key.id}; token (shown once):")
        click.echo(token)


@user_group.command("reset-mfa")
@click.argument("username")
def user_reset_mfa(username: str) -> None:
    """Reset a user's second factor (the last admin lost the phone and the recovery
    codes): the next sign-in sets it up again; the user's sessions end."""
    from linewise.domains.accounts import mfa

    with unit_of_work() as db:
        user = db.scalar(select(User).where(User.username == username))
        if user is None:
            raise click.ClickException(f"no user '{username}'")
        mfa.reset(db, user)
        service.end_sessions(db, user.id)
        click.echo(f"{username}: MFA reset; the next sign-in sets it up again where required")
