#!/usr/bin/python3
"""A Modbus device for the gateway's tests, served by pymodbus (Debian python3-pymodbus 3.0.x).

The test writes what the device holds as typed values in a JSON file; this script encodes them with pymodbus's own
BinaryPayloadBuilder (an implementation independent of the gateway's decoder) and serves them:

    pymodbus_server.py --spec SPEC.json --mode tcp|udp|rtu-tcp|rtu-serial [--port N] [--device /dev/pts/N]

SPEC.json: {"units": {"1": {"hr": [ITEM...], "ir": [ITEM...], "co": [ITEM...], "di": [ITEM...]}}}
    register ITEM: {"address": 0, "type": "float32", "order": "cdab", "value": 3.5}
                   (types int16 uint16 int32 uint32 float32 int64 uint64 float64 string bcd16 bcd32 raw;
                    "raw" takes "value": [register, ...]; "string" takes "length" in registers)
    bit ITEM:      {"address": 0, "values": [true, false, ...]}
Addresses are 0-based protocol addresses; an address no ITEM covers answers ILLEGAL DATA ADDRESS (sparse blocks).
Prints "ready MODE" on stdout once serving.
"""
import argparse
import asyncio
import json
import sys

from pymodbus.constants import Endian
from pymodbus.datastore import ModbusServerContext, ModbusSlaveContext, ModbusSparseDataBlock
from pymodbus.framer.rtu_framer import ModbusRtuFramer
from pymodbus.framer.socket_framer import ModbusSocketFramer
from pymodbus.payload import BinaryPayloadBuilder
from pymodbus.server import StartAsyncSerialServer, StartAsyncTcpServer, StartAsyncUdpServer

# ABCD names the value's bytes from the most significant; pymodbus names the byte order inside a register and the
# order of the registers.
ORDERS = {
    "abcd": (Endian.Big, Endian.Big),
    "cdab": (Endian.Big, Endian.Little),
    "badc": (Endian.Little, Endian.Big),
    "dcba": (Endian.Little, Endian.Little),
}


def bcd(value, digits):
    text = str(value).rjust(digits, "0")
    registers = []
    for i in range(0, digits, 4):
        registers.append(int(text[i:i + 4], 16))
    return registers


def encode(item):
    kind = item["type"]
    if kind == "raw":
        return list(item["value"])
    if kind == "bcd16":
        return bcd(item["value"], 4)
    if kind == "bcd32":
        return bcd(item["value"], 8)
    byteorder, wordorder = ORDERS[item.get("order", "abcd")]
    builder = BinaryPayloadBuilder(byteorder=byteorder, wordorder=wordorder)
    value = item["value"]
    if kind == "string":
        data = value.encode("ascii").ljust(item["length"] * 2, b"\0")
        # Text has no word order: characters go in address order, two per register, high byte first unless the
        # byte order swaps bytes.
        registers = []
        for i in range(0, len(data), 2):
            high, low = data[i], data[i + 1]
            registers.append((low << 8 | high) if byteorder == Endian.Little else (high << 8 | low))
        return registers
    adders = {
        "int16": builder.add_16bit_int, "uint16": builder.add_16bit_uint,
        "int32": builder.add_32bit_int, "uint32": builder.add_32bit_uint, "float32": builder.add_32bit_float,
        "int64": builder.add_64bit_int, "uint64": builder.add_64bit_uint, "float64": builder.add_64bit_float,
    }
    adders[kind](value)
    return builder.to_registers()


def block(items, bits):
    values = {}
    for item in items:
        cells = [bool(v) for v in item["values"]] if bits else encode(item)
        for i, cell in enumerate(cells):
            values[item["address"] + i] = cell
    # An empty table still needs a block; address 65535 is out of every test's way... but must not be readable by
    # accident, so an empty table gets no cell the tests read.
    return ModbusSparseDataBlock(values or {65535: 0})


def context(spec):
    slaves = {}
    for unit, tables in spec["units"].items():
        slaves[int(unit)] = ModbusSlaveContext(
            hr=block(tables.get("hr", []), False),
            ir=block(tables.get("ir", []), False),
            co=block(tables.get("co", []), True),
            di=block(tables.get("di", []), True),
            zero_mode=True,
        )
    return ModbusServerContext(slaves=slaves, single=False)


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--spec", required=True)
    parser.add_argument("--mode", required=True, choices=["tcp", "udp", "rtu-tcp", "rtu-serial"])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--device")
    parser.add_argument("--baudrate", type=int, default=19200)
    args = parser.parse_args()
    with open(args.spec, encoding="utf-8") as file:
        store = context(json.load(file))
    address = ("127.0.0.1", args.port)
    if args.mode == "tcp":
        server = await StartAsyncTcpServer(context=store, address=address, framer=ModbusSocketFramer, defer_start=True, allow_reuse_address=True)
    elif args.mode == "rtu-tcp":
        server = await StartAsyncTcpServer(context=store, address=address, framer=ModbusRtuFramer, defer_start=True, allow_reuse_address=True)
    elif args.mode == "udp":
        server = await StartAsyncUdpServer(context=store, address=address, framer=ModbusSocketFramer, defer_start=True)
    else:
        server = await StartAsyncSerialServer(context=store, framer=ModbusRtuFramer, port=args.device, baudrate=args.baudrate,
                                              parity="N", stopbits=1, bytesize=8, timeout=0.05, defer_start=True)
        await server.start()
    task = asyncio.ensure_future(server.serve_forever())
    await asyncio.sleep(0.2)
    print(f"ready {args.mode}", flush=True)
    await task


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
