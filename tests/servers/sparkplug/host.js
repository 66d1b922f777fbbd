// A Sparkplug B host application for the gateway's tests, built on an independent implementation:
// sparkplug-payload (Eclipse Tahu's JavaScript payload library) decodes every message, and MQTT.js talks to the broker.
// Usage: node host.js --port 1883 --group plant1 --node gw1 [--host-id scada]
// Prints one JSON line per message received under spBv1.0/{group}/# ("msg {...}"), and "ready" once subscribed.
// Reads commands on stdin, one per line, and prints "done <command>" once the broker has the message:
//   rebirth            NCMD with Node Control/Rebirth = true
//   unknown-metric     NCMD with a metric the node does not have
//   malformed          NCMD whose payload is not a Sparkplug payload
//   online | offline   retained STATE {"online": ..., "timestamp": now} on spBv1.0/STATE/{host-id}
'use strict';
const mqtt = require('mqtt');
const sparkplug = require('sparkplug-payload').get('spBv1.0');
const ProtoRoot = require('sparkplug-payload/lib/sparkplugPayloadProto');
const readline = require('readline');

const args = {};
for (let i = 2; i < process.argv.length; i += 2) {
  args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
}
const group = args.group;
const node = args.node;
const hostId = args['host-id'];
const births = {}; // device ('' for the node) -> alias -> datatype, from the latest birth

// Sparkplug 3.0, 6.4.17: arrays are little-endian packed into bytes_value; the library predates them.
function unpackArray(datatype, bytes) {
  const buffer = Buffer.from(bytes);
  const read = (width, reader) => {
    const out = [];
    for (let offset = 0; offset + width <= buffer.length; offset += width) out.push(reader(offset));
    return out;
  };
  switch (datatype) {
    case 22: return read(1, o => buffer.readInt8(o));
    case 23: return read(2, o => buffer.readInt16LE(o));
    case 24: return read(4, o => buffer.readInt32LE(o));
    case 25: return read(8, o => buffer.readBigInt64LE(o).toString());
    case 26: return read(1, o => buffer.readUInt8(o));
    case 27: return read(2, o => buffer.readUInt16LE(o));
    case 28: return read(4, o => buffer.readUInt32LE(o));
    case 29: return read(8, o => buffer.readBigUInt64LE(o).toString());
    case 30: return read(4, o => buffer.readFloatLE(o));
    case 31: return read(8, o => buffer.readDoubleLE(o));
    case 32: {
      const count = buffer.readUInt32LE(0);
      const out = [];
      for (let i = 0; i < count; i++) out.push((buffer[4 + (i >> 3)] & (0x80 >> (i & 7))) !== 0);
      return out;
    }
    case 33: {
      const out = [];
      let start = 0;
      for (let i = 0; i < buffer.length; i++) {
        if (buffer[i] === 0) { out.push(buffer.toString('utf8', start, i)); start = i + 1; }
      }
      return out;
    }
    case 34: return read(8, o => buffer.readBigInt64LE(o).toString());
    default: return null;
  }
}

function plain(value) {
  if (value === null || value === undefined) return value;
  if (typeof value === 'object' && typeof value.toString === 'function' && value.low !== undefined && value.high !== undefined) {
    return value.toString();
  }
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return Array.from(value);
  return value;
}

function describe(topic, message) {
  const parts = topic.split('/');
  const record = { topic, type: parts[2], device: parts[4] || null, size: message.length };
  const Payload = ProtoRoot.org.eclipse.tahu.protobuf.Payload;
  const raw = Payload.decode(message);
  // As a host application does: data messages name metrics by alias only, so the datatype comes from the birth.
  const key = parts[4] || '';
  if (record.type === 'NBIRTH' || record.type === 'DBIRTH') {
    const map = {};
    raw.metrics.forEach((m) => { if (m.hasOwnProperty('alias')) map[Number(plain(m.alias))] = m.datatype; });
    births[key] = map;
  } else if (record.type === 'NDATA' || record.type === 'DDATA') {
    raw.metrics.forEach((m) => {
      if (!m.hasOwnProperty('datatype') && m.hasOwnProperty('alias')) m.datatype = (births[key] || {})[Number(plain(m.alias))];
    });
  }
  const payload = sparkplug.decodePayload(Payload.encode(raw).finish());
  record.seq = payload.seq === undefined ? null : Number(plain(payload.seq));
  record.timestamp = payload.timestamp === undefined ? null : Number(plain(payload.timestamp));
  record.metrics = (payload.metrics || []).map((metric, index) => {
    const rawMetric = raw.metrics[index];
    const datatype = rawMetric.datatype;
    const out = {
      name: metric.name === undefined ? null : metric.name,
      alias: metric.alias === undefined ? null : Number(plain(metric.alias)),
      type: metric.type === undefined ? null : metric.type,
      datatype: datatype === undefined || datatype === null ? null : datatype,
      timestamp: metric.timestamp === undefined ? null : Number(plain(metric.timestamp)),
      isNull: !!rawMetric.isNull,
      isHistorical: !!metric.isHistorical,
      value: null,
      quality: null,
    };
    if (rawMetric.value === 'bytesValue') {
      out.bytes = Array.from(rawMetric.bytesValue);
      out.array = unpackArray(rawMetric.datatype, rawMetric.bytesValue);
    }
    if (!out.isNull) {
      out.value = plain(metric.value);
      // Integers in int_value / long_value are kept as the wire had them, for the test to check the encoding.
      if (rawMetric.value === 'intValue') out.intValue = rawMetric.intValue;
      if (rawMetric.value === 'longValue') out.longValue = plain(rawMetric.longValue);
    }
    if (metric.properties && metric.properties.Quality) out.quality = plain(metric.properties.Quality.value);
    return out;
  });
  return record;
}

const client = mqtt.connect(`mqtt://127.0.0.1:${args.port}`, { clientId: `sparkplug-test-host-${process.pid}`, clean: true, reconnectPeriod: 200 });
client.on('connect', () => {
  client.subscribe(`spBv1.0/${group}/#`, { qos: 1 }, (error) => {
    if (error) { console.log('error ' + error.message); return; }
    console.log('ready');
  });
});
client.on('message', (topic, message) => {
  try {
    console.log('msg ' + JSON.stringify(describe(topic, message)));
  } catch (error) {
    console.log('undecodable ' + JSON.stringify({ topic, error: error.message }));
  }
});
client.on('error', (error) => console.log('error ' + error.message));

function command(line) {
  const ncmd = `spBv1.0/${group}/NCMD/${node}`;
  const done = (error) => console.log(error ? `failed ${line} ${error.message}` : `done ${line}`);
  switch (line) {
    case 'rebirth':
      client.publish(ncmd, sparkplug.encodePayload({ timestamp: Date.now(), metrics: [{ name: 'Node Control/Rebirth', type: 'Boolean', value: true }] }), { qos: 1 }, done);
      break;
    case 'unknown-metric':
      client.publish(ncmd, sparkplug.encodePayload({ timestamp: Date.now(), metrics: [{ name: 'Node Control/Self Destruct', type: 'Boolean', value: true }] }), { qos: 1 }, done);
      break;
    case 'malformed':
      client.publish(ncmd, Buffer.from([0xff, 0xff, 0xff, 0x0a, 0x05, 0x01]), { qos: 1 }, done);
      break;
    case 'online':
    case 'offline':
      client.publish(`spBv1.0/STATE/${hostId}`, JSON.stringify({ online: line === 'online', timestamp: Date.now() }), { qos: 1, retain: true }, done);
      break;
    default:
      console.log('unknown command ' + line);
  }
}

readline.createInterface({ input: process.stdin }).on('line', (line) => command(line.trim()));
process.stdin.on('end', () => { client.end(true); process.exit(0); });
