"""Pure analytics engines: delivery forecasts and bottlenecks, downsampling for charts,
streaming anomaly detection, remaining useful life (no FastAPI, SQLAlchemy or domain imports)."""
