#!/usr/bin/env node
// A Modbus TCP device for the gateway's tests, served by modbus-serial's ServerTCP (npm): a second independent
// implementation beside pymodbus. Same spec file as pymodbus_server.py; the typed values are encoded here with
// Node's Buffer (big-endian writes, then the word and byte swaps the order names).
//   node node-server.js --spec SPEC.json --port N
// Prints "ready tcp" once listening.
"use strict";
const fs = require("fs");
const ModbusRTU = require("modbus-serial");

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith("--") ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []));
const spec = JSON.parse(fs.readFileSync(args.spec, "utf8"));

const sizes = { int16: 2, uint16: 2, int32: 4, uint32: 4, float32: 4, int64: 8, uint64: 8, float64: 8 };
function encode(item) {
  if (item.type === "raw") return item.value;
  if (item.type === "bcd16" || item.type === "bcd32") {
    const text = String(item.value).padStart(item.type === "bcd16" ? 4 : 8, "0");
    const words = [];
    for (let i = 0; i < text.length; i += 4) words.push(parseInt(text.slice(i, i + 4), 16));
    return words;
  }
  const order = item.order || "abcd";
  const byteSwap = order === "badc" || order === "dcba";
  let bytes;
  if (item.type === "string") {
    bytes = Buffer.alloc(item.length * 2);
    bytes.write(item.value, "ascii");
  } else {
    bytes = Buffer.alloc(sizes[item.type]);
    const v = item.value;
    ({
      int16: () => bytes.writeInt16BE(v), uint16: () => bytes.writeUInt16BE(v),
      int32: () => bytes.writeInt32BE(v), uint32: () => bytes.writeUInt32BE(v), float32: () => bytes.writeFloatBE(v),
      int64: () => bytes.writeBigInt64BE(BigInt(v)), uint64: () => bytes.writeBigUInt64BE(BigInt(v)), float64: () => bytes.writeDoubleBE(v),
    })[item.type]();
    if (order === "cdab" || order === "dcba") {
      // Word swap: the registers in reverse order.
      const words = [];
      for (let i = 0; i < bytes.length; i += 2) words.unshift(bytes.subarray(i, i + 2));
      bytes = Buffer.concat(words);
    }
  }
  const registers = [];
  for (let i = 0; i < bytes.length; i += 2) registers.push(byteSwap ? (bytes[i + 1] << 8) | bytes[i] : (bytes[i] << 8) | bytes[i + 1]);
  return registers;
}

const tables = {};
for (const [unit, units] of Object.entries(spec.units)) {
  for (const [table, items] of Object.entries(units)) {
    const cells = (tables[`${unit}/${table}`] = new Map());
    for (const item of items) {
      const values = table === "co" || table === "di" ? item.values : encode(item);
      values.forEach((v, i) => cells.set(item.address + i, v));
    }
  }
}

function lookup(table) {
  return (address, unit, callback) => {
    const cells = tables[`${unit}/${table}`];
    if (!cells || !cells.has(address)) {
      callback({ modbusErrorCode: 0x02, msg: "illegal data address" });
      return;
    }
    callback(null, cells.get(address));
  };
}

const server = new ModbusRTU.ServerTCP(
  { getHoldingRegister: lookup("hr"), getInputRegister: lookup("ir"), getCoil: lookup("co"), getDiscreteInput: lookup("di") },
  { host: "127.0.0.1", port: Number(args.port), unitID: 255 });
server.on("initialized", () => console.log("ready tcp"));
server.on("serverError", (e) => console.error("server error", e));
