#!/usr/bin/python3
"""An independent Modbus TCP client (pymodbus, Debian python3-pymodbus 3.0.x) for the gateway's tests.

    pymodbus_read.py HOST PORT UNIT TABLE START COUNT      TABLE: hr, ir, co, di

Prints one JSON object: {"registers": [...]} or {"bits": [...]}, or {"exception": CODE} for an exception response.
"""
import json
import sys

from pymodbus.client import ModbusTcpClient

host, port, unit, table, start, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5]), int(sys.argv[6])
client = ModbusTcpClient(host, port=port, timeout=5)
if not client.connect():
    print(json.dumps({"error": "no connection"}))
    sys.exit(2)
read = {
    "hr": client.read_holding_registers, "ir": client.read_input_registers,
    "co": client.read_coils, "di": client.read_discrete_inputs,
}[table]
answer = read(start, count, slave=unit)
client.close()
if answer.isError():
    print(json.dumps({"exception": getattr(answer, "exception_code", None), "error": str(answer)}))
    sys.exit(2)
if table in ("co", "di"):
    print(json.dumps({"bits": [bool(b) for b in answer.bits[:count]]}))
else:
    print(json.dumps({"registers": list(answer.registers)}))
