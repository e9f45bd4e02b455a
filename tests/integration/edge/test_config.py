"""Configuration errors name the key path, so they can be fixed without reading code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from linewise.edge.config import ConfigError, load_config, parse_config


def valid() -> dict[str, Any]:
    return {
        "agent": "edge1",
        "server": {"url": "http://127.0.0.1:8000", "device_key_env": "LINEWISE_DEVICE_KEY"},
        "buffer": {"path": "buffer.db"},
        "sources": [
            {
                "kind": "modbus",
                "name": "plc",
                "host": "10.0.0.5",
                "points": {
                    "running": {"table": "coil", "address": 0, "type": "bool"},
                    "good": {"address": 1, "type": "uint32"},
                },
            },
            {
                "kind": "opcua",
                "name": "oven",
                "endpoint": "opc.tcp://10.0.0.6:4840",
                "points": {"zone1": {"node": "ns=2;s=Oven.Zone1"}},
            },
        ],
        "machines": {
            "SMT-1-PNP1": {
                "state": {"running": "plc.running"},
                "counter": {"good": "plc.good"},
            },
            "SMT-1-REFLOW": {"telemetry": [{"point": "oven.zone1", "signal": "zone1_c"}]},
        },
    }


def problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(data)
    return info.value.problems


def test_a_valid_config_parses() -> None:
    config = parse_config(valid())
    assert config.point_refs() == {"plc.running", "plc.good", "oven.zone1"}
    assert config.server.resolve_key({"LINEWISE_DEVICE_KEY": "k"}) == "k"
    with pytest.raises(ConfigError, match=r"server\.device_key_env"):
        config.server.resolve_key({})


def test_errors_name_the_key_path() -> None:
    data = valid()
    data["sources"][0]["points"]["good"]["address"] = 70000
    data["sources"][0]["points"]["running"]["type"] = "uint16"
    data["sources"][1]["endpoint"] = "http://oven"
    data["machines"]["SMT-1-PNP1"]["state"] = {"running": "plc.running", "value": "plc.good"}
    found = problems(data)
    assert any(p.startswith("sources.0.points.good.address:") for p in found), found
    assert any(p.startswith("sources.0.points.running:") and "bool" in p for p in found), found
    assert any(p.startswith("sources.1.endpoint:") for p in found), found
    assert any(p.startswith("machines.SMT-1-PNP1.state:") for p in found), found


def test_unknown_points_and_missing_keys_are_named() -> None:
    data = valid()
    data["machines"]["SMT-1-PNP1"]["counter"]["good"] = "plc.goood"
    assert problems(data) == [
        "machines.SMT-1-PNP1.counter.good: unknown point 'plc.goood' "
        "(write source.point; known: oven.zone1, plc.good, plc.running)"
    ]
    data = valid()
    del data["server"]["device_key_env"]
    assert problems(data) == [
        "server: Value error, give exactly one of device_key or device_key_env"
    ]
    data = valid()
    data["sources"][1]["name"] = "plc"
    data["sources"][1]["points"] = {"running": {"node": "ns=2;s=X"}}
    assert "sources.1.name: duplicate source name 'plc'" in problems(data)
    data = valid()
    data["surces"] = []
    assert problems(data) == ["surces: Extra inputs are not permitted"]


def test_load_reads_yaml_and_resolves_the_buffer_next_to_the_file(tmp_path: Path) -> None:
    import yaml

    file = tmp_path / "edge.yaml"
    file.write_text(yaml.safe_dump(valid()), encoding="utf-8")
    assert load_config(file).buffer.path == tmp_path / "buffer.db"
    file.write_text("agent: [unclosed", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(file)
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.yaml")
