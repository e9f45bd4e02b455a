"""Pure analytics engines: delivery forecasts and bottlenecks, downsampling for charts,
streaming anomaly detection (no FastAPI, SQLAlchemy or domain imports)."""
