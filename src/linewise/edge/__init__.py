"""The Linewise edge agent: reads PLCs (Modbus TCP) and OPC UA servers next to the
machines, turns their values into ingest events and delivers them store-and-forward, so a
network outage between the shop floor and the server costs no data.
"""
