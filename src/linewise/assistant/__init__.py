"""The assistant: questions about production answered from the data.

Questions are understood offline (a grammar for intents, entities and time windows) and
answered by typed, permission-checked tools that call the same services as the API. An
answer never carries a number that did not come from a tool result: ``provenance``
checks the worded answer in code before it leaves (see docs/assistant.md).
"""
