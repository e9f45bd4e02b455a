"""Planning: finite-capacity schedules built by the engine, plan versions, scenarios."""
