"""Scheduled reports: the daily shift report per line and the weekly KPI summary, by e-mail."""
