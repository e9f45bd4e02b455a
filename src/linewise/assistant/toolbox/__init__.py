"""The assistant's tools, one module per area of the product; importing this package
registers them all."""

from linewise.assistant.toolbox import (  # noqa: F401
    alerts,
    delivery,
    floor,
    kpi,
    maintenance,
    orders,
    orders_list,
    people,
    plan,
    quality,
    stock,
)
