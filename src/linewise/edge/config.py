"""The edge agent's declarative configuration (``edge.yaml``), validated with pydantic.

Every mistake is reported with the key path that holds it (``sources.0.points.temp.address:
...``) because the people who write these files stand next to a PLC, not a debugger. Point
references (``plc.good_total``) are checked against the declared sources after parsing, so a
typo fails at start-up instead of silently never producing an event.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from linewise.kpi.states import MachineState

Name = Annotated[str, Field(pattern=r"^[A-Za-z0-9_]+$", min_length=1, max_length=40)]
StateName = Literal["producing", "setup", "idle", "down", "planned_stop", "offline"]
assert {s.value for s in MachineState} == set(StateName.__args__)  # type: ignore[attr-defined]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ServerConfig(_Strict):
    url: str = Field(pattern=r"^https?://")
    device_key: str | None = None
    device_key_env: str | None = None
    timeout_s: float = Field(10.0, gt=0)
    batch_size: int = Field(500, ge=1, le=10_000)

    @model_validator(mode="after")
    def _one_key_source(self) -> ServerConfig:
        if (self.device_key is None) == (self.device_key_env is None):
            raise ValueError("give exactly one of device_key or device_key_env")
        return self

    def resolve_key(self, environ: dict[str, str] | None = None) -> str:
        """The key itself; read from the environment at start so it never sits in a file."""
        if self.device_key is not None:
            return self.device_key
        env = os.environ if environ is None else environ
        assert self.device_key_env is not None
        value = env.get(self.device_key_env, "")
        if not value:
            raise ConfigError([f"server.device_key_env: ${self.device_key_env} is not set"])
        return value


class BufferConfig(_Strict):
    path: Path
    max_events: int = Field(100_000, ge=10)


class BackoffConfig(_Strict):
    initial_s: float = Field(0.5, gt=0)
    max_s: float = Field(30.0, gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> BackoffConfig:
        if self.max_s < self.initial_s:
            raise ValueError("max_s must be >= initial_s")
        return self


class _Point(_Strict):
    scale: float = 1.0
    offset: float = 0.0


class ModbusPoint(_Point):
    table: Literal["coil", "discrete_input", "holding", "input"] = "holding"
    address: int = Field(ge=0, le=65535, description="protocol (0-based) address")
    type: Literal["bool", "uint16", "int16", "uint32", "int32", "float32"] = "uint16"
    word_order: Literal["big", "little"] = "big"

    @model_validator(mode="after")
    def _bits_are_bool(self) -> ModbusPoint:
        if self.table in ("coil", "discrete_input") and self.type != "bool":
            raise ValueError(f"a {self.table} holds one bit: type must be bool")
        return self


class OpcUaPoint(_Point):
    node: str = Field(min_length=3, description="NodeId, e.g. ns=2;s=Oven.Zone1")


class ModbusSource(_Strict):
    kind: Literal["modbus"]
    name: Name
    host: str
    port: int = Field(502, ge=1, le=65535)
    device_id: int = Field(1, ge=0, le=255)
    timeout_s: float = Field(3.0, gt=0)
    poll_interval_s: float | None = Field(None, gt=0)
    points: dict[Name, ModbusPoint] = Field(min_length=1)


class OpcUaSource(_Strict):
    kind: Literal["opcua"]
    name: Name
    endpoint: str = Field(pattern=r"^opc\.tcp://")
    mode: Literal["subscribe", "poll"] = "subscribe"
    publishing_interval_ms: int = Field(250, ge=10)
    timeout_s: float = Field(4.0, gt=0)
    poll_interval_s: float | None = Field(None, gt=0)
    points: dict[Name, OpcUaPoint] = Field(min_length=1)


Source = Annotated[ModbusSource | OpcUaSource, Field(discriminator="kind")]


class TelemetryMap(_Strict):
    point: str
    signal: str = Field(min_length=1, max_length=60)
    unit: str | None = None
    deadband: float = Field(0.0, ge=0)


class CounterMap(_Strict):
    """PLC running totals; the agent sends the increments as count events."""

    good: str
    reject: str | None = None
    rollover: int | None = Field(None, ge=2, description="counter width, e.g. 65536")


class StateMap(_Strict):
    """Either ``value`` + ``map`` (a mode register) or ``running`` (+ ``fault``)."""

    value: str | None = None
    map: dict[int, StateName] | None = None
    default: StateName = "idle"
    running: str | None = None
    fault: str | None = None
    faults: dict[int, str] = Field(default_factory=dict, description="fault code -> reason")

    @model_validator(mode="after")
    def _one_rule(self) -> StateMap:
        if self.value is not None and self.running is not None:
            raise ValueError("use either value + map or running (+ fault), not both")
        if self.value is not None and not self.map:
            raise ValueError("value needs a map of value -> state")
        if self.value is None and self.running is None:
            raise ValueError("give value + map or running (+ fault)")
        return self


class MachineMap(_Strict):
    telemetry: list[TelemetryMap] = Field(default_factory=list)
    counter: CounterMap | None = None
    state: StateMap | None = None


class EdgeConfig(_Strict):
    agent: str = Field(pattern=r"^[A-Za-z0-9_.]+$", min_length=1, max_length=16)
    server: ServerConfig
    buffer: BufferConfig
    poll_interval_s: float = Field(1.0, gt=0)
    backoff: BackoffConfig = BackoffConfig()
    sources: list[Source] = Field(min_length=1)
    machines: dict[Annotated[str, Field(min_length=1, max_length=60)], MachineMap] = Field(
        min_length=1
    )

    def point_refs(self) -> set[str]:
        return {f"{s.name}.{p}" for s in self.sources for p in s.points}


class ConfigError(Exception):
    """One line per problem, each starting with the key path."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def parse_config(data: Any) -> EdgeConfig:
    """Validate parsed YAML; raise :class:`ConfigError` naming every bad key path."""
    try:
        config = EdgeConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError([_describe(err) for err in exc.errors()]) from None
    problems = _check_references(config)
    if problems:
        raise ConfigError(problems)
    return config


def load_config(path: str | Path) -> EdgeConfig:
    """Read and validate ``edge.yaml``; relative buffer paths are relative to the file."""
    file = Path(path)
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError([f"{file}: cannot read ({exc.strerror})"]) from None
    except yaml.YAMLError as exc:
        raise ConfigError([f"{file}: not valid YAML ({exc})"]) from None
    config = parse_config(data)
    if not config.buffer.path.is_absolute():
        buffer = config.buffer.model_copy(update={"path": file.parent / config.buffer.path})
        config = config.model_copy(update={"buffer": buffer})
    return config


def _describe(err: Any) -> str:
    loc = [str(p) for p in err["loc"]]
    # pydantic adds the discriminator value ('modbus') to union paths: noise for a reader
    loc = [p for i, p in enumerate(loc) if not (i and loc[i - 1].isdigit() and p in _KINDS)]
    return f"{'.'.join(loc) or '(top level)'}: {err['msg']}"


_KINDS = {"modbus", "opcua"}


def _check_references(config: EdgeConfig) -> list[str]:
    known = config.point_refs()
    problems: list[str] = []
    names = [s.name for s in config.sources]
    for i, name in enumerate(names):
        if name in names[:i]:
            problems.append(f"sources.{i}.name: duplicate source name '{name}'")

    def check(path: str, ref: str | None) -> None:
        if ref is not None and ref not in known:
            problems.append(
                f"{path}: unknown point '{ref}' (write source.point; known: "
                f"{', '.join(sorted(known))})"
            )

    for code, m in config.machines.items():
        base = f"machines.{code}"
        for i, t in enumerate(m.telemetry):
            check(f"{base}.telemetry.{i}.point", t.point)
        if m.counter:
            check(f"{base}.counter.good", m.counter.good)
            check(f"{base}.counter.reject", m.counter.reject)
        if m.state:
            check(f"{base}.state.value", m.state.value)
            check(f"{base}.state.running", m.state.running)
            check(f"{base}.state.fault", m.state.fault)
        if not (m.telemetry or m.counter or m.state):
            problems.append(f"{base}: maps nothing (give telemetry, counter or state)")
    return problems
