"""Performance: ISO 22400 KPIs, downtime Pareto and reason assignment from stored machine data."""
