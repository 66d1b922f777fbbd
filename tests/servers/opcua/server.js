// The node-opcua server our tests read: an independent OPC UA implementation with a known address space.
// Usage: node server.js --port 4840 [--doubles 20000] [--max-nodes-per-read 5000]
//   [--counters N]                   a block of N Int32 counters (Counters.00000...), all incremented every 100 ms
//   [--namespace-order reversed]     register a decoy namespace before urn:gateway:tests (its index moves 2 -> 3;
//                                    the decoy has the same ids with other values, so a stale index reads wrong data)
//   [--hidden-max-monitored-items N] advertise no MaxMonitoredItemsPerCall but answer BadTooManyOperations above N
// Prints "sessions N" whenever the number of sessions changes. SIGUSR2 stops answering Publish for the sessions that
// exist at that moment (sessions created later are served normally): a server that silently stops publishing.
"use strict";
const opcua = require("node-opcua");
// Part of node-opcua (its one copy, hoisted by npm), not re-exported by the umbrella package.
const { OpaqueStructure } = require("node-opcua-extension-object");
// node-opcua copies a Variant's structure as `new value.constructor(value)`, which OpaqueStructure's own constructor
// (nodeId, buffer) would turn into an empty one: this subclass also accepts the structure to copy.
class RawStructure extends OpaqueStructure {
  constructor(nodeIdOrCopy, buffer) {
    if (nodeIdOrCopy instanceof OpaqueStructure) super(nodeIdOrCopy.nodeId, nodeIdOrCopy.buffer);
    else super(nodeIdOrCopy, buffer);
  }
}

function arg(name, fallback) {
  const i = process.argv.indexOf("--" + name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const port = parseInt(arg("port", "4840"), 10);
const doubleCount = parseInt(arg("doubles", "20000"), 10);
const maxNodesPerRead = parseInt(arg("max-nodes-per-read", "5000"), 10);
const maxMessageSize = parseInt(arg("max-message-size", String(64 * 1024 * 1024)), 10);
const counterCount = parseInt(arg("counters", "0"), 10);
const namespaceOrder = arg("namespace-order", "normal");
const hiddenMaxMonitoredItems = parseInt(arg("hidden-max-monitored-items", "0"), 10);

(async () => {
  const server = new opcua.OPCUAServer({
    port,
    hostname: "127.0.0.1",
    alternateHostname: ["127.0.0.1"],
    securityPolicies: [opcua.SecurityPolicy.None],
    securityModes: [opcua.MessageSecurityMode.None],
    allowAnonymous: true,
    maxMessageSize,
    maxChunkCount: 10000,
    serverCapabilities: {
      maxBrowseContinuationPoints: 10,
      operationLimits: { maxNodesPerRead, maxNodesPerBrowse: 1000, maxMonitoredItemsPerCall: hiddenMaxMonitoredItems > 0 ? 0 : 1000 },
    },
    buildInfo: { productName: "gateway-test-server" },
  });
  await server.initialize();
  const addressSpace = server.engine.addressSpace;
  // A decoy namespace with the same string ids as some test nodes but other values: a client that kept a stale
  // namespace index after a restart would read these instead of the right ones.
  const addDecoy = () => {
    const decoy = addressSpace.registerNamespace("urn:gateway:tests:decoy");
    const folder = decoy.addFolder(addressSpace.rootFolder.objects, { browseName: "Decoy", nodeId: "s=Decoy" });
    for (let i = 0; i < 10; i++) {
      decoy.addVariable({ componentOf: folder, browseName: "Double." + i, nodeId: "s=Double." + String(i).padStart(5, "0"), dataType: "Double", minimumSamplingInterval: 100, value: { get: () => new opcua.Variant({ dataType: opcua.DataType.Double, value: -1 - i }) } });
    }
    decoy.addVariable({ componentOf: folder, browseName: "Counter", nodeId: "s=Counter", dataType: "Int32", minimumSamplingInterval: 50, value: { get: () => new opcua.Variant({ dataType: opcua.DataType.Int32, value: -1 }) } });
  };
  if (namespaceOrder === "reversed") addDecoy();
  const ns = addressSpace.registerNamespace("urn:gateway:tests");
  const objects = addressSpace.rootFolder.objects;
  const types = ns.addFolder(objects, { browseName: "Types", nodeId: "s=Types" });

  const v = (browseName, nodeId, dataType, value, extra) =>
    ns.addVariable(Object.assign({ componentOf: types, browseName, nodeId, dataType, minimumSamplingInterval: 100, value: { get: () => new opcua.Variant(Object.assign({ dataType: opcua.DataType[dataType] }, value)) } }, extra || {}));

  // Scalars with known, non-trivial values.
  v("Boolean", "s=Boolean", "Boolean", { value: true });
  v("SByte", "s=SByte", "SByte", { value: -128 });
  v("Byte", "s=Byte", "Byte", { value: 255 });
  v("Int16", "s=Int16", "Int16", { value: -32768 });
  v("UInt16", "s=UInt16", "UInt16", { value: 65535 });
  v("Int32", "s=Int32", "Int32", { value: -2147483648 });
  v("UInt32", "s=UInt32", "UInt32", { value: 4294967295 });
  v("Int64", "s=Int64", "Int64", { arrayType: opcua.VariantArrayType.Scalar, value: [0x80000000, 0] }); // node-opcua Int64 as [high, low] UInt32 words: -2^63
  v("UInt64", "s=UInt64", "UInt64", { arrayType: opcua.VariantArrayType.Scalar, value: [0xFFFFFFFF, 0xFFFFFFFF] });
  v("Float", "s=Float", "Float", { value: 3.5 });
  v("Double", "s=Double", "Double", { value: -1234.5678 });
  v("String", "s=String", "String", { value: "가공 중 – Spindle ✓" });
  v("DateTime", "s=DateTime", "DateTime", { value: new Date(Date.UTC(2026, 10, 25, 3, 0, 0, 123)) });
  v("Guid", "s=Guid", "Guid", { value: "72962B91-FA75-4AE6-8D28-B404DC7DAF63" });
  v("ByteString", "s=ByteString", "ByteString", { value: Buffer.from([0, 1, 2, 254, 255]) });
  v("NodeIdValue", "s=NodeIdValue", "NodeId", { value: opcua.coerceNodeId("ns=1;s=Target") });
  v("LocalizedText", "s=LocalizedText", "LocalizedText", { value: new opcua.LocalizedText({ text: "스핀들", locale: "ko-KR" }) });
  v("QualifiedName", "s=QualifiedName", "QualifiedName", { value: new opcua.QualifiedName({ name: "Speed", namespaceIndex: 1 }) });
  v("StatusCode", "s=StatusCode", "StatusCode", { value: opcua.StatusCodes.BadNodeIdUnknown });

  // Arrays and a matrix.
  v("Int32Array", "s=Int32Array", "Int32", { arrayType: opcua.VariantArrayType.Array, value: new Int32Array([1, -2, 2147483647]) }, { valueRank: 1 });
  v("StringArray", "s=StringArray", "String", { arrayType: opcua.VariantArrayType.Array, value: ["a", "나", ""] }, { valueRank: 1 });
  v("DoubleMatrix", "s=DoubleMatrix", "Double", { arrayType: opcua.VariantArrayType.Matrix, dimensions: [2, 3], value: new Float64Array([1, 2, 3, 4, 5, 6]) }, { valueRank: 2 });
  const big = new Float64Array(100000);
  for (let i = 0; i < big.length; i++) big[i] = i * 0.5;
  v("BigDoubleArray", "s=BigDoubleArray", "Double", { arrayType: opcua.VariantArrayType.Array, value: big }, { valueRank: 1 });
  const mib = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < mib.length; i++) mib[i] = i % 251;
  v("MiBByteString", "s=MiBByteString", "ByteString", { value: mib });

  // Structures as they arrive from a field device: node-opcua writes an OpaqueStructure (RawStructure) as an ExtensionObject with
  // the TypeId and body bytes given here, so the client sees exactly these bytes.
  // Part 6, 5.1.10 (5.1.8 in 1.04): a Decimal is an ExtensionObject with TypeId i=50 (the Decimal DataType) whose
  // body is Scale (Int16) then the unscaled value as a little-endian two's complement integer filling the rest of
  // the body (no length prefix of its own); the number is value * 10^-scale.
  const decimalBody = (scale, unscaled) => {
    const bytes = [];
    let rest = BigInt(unscaled);
    // Shortest two's complement: stop once the remaining value is all sign and the last byte's top bit agrees.
    for (;;) {
      const b = Number(rest & 0xFFn);
      bytes.push(b);
      rest >>= 8n;
      if ((rest === 0n && (b & 0x80) === 0) || (rest === -1n && (b & 0x80) !== 0)) break;
    }
    const head = Buffer.alloc(2);
    head.writeInt16LE(scale, 0);
    return Buffer.concat([head, Buffer.from(bytes)]);
  };
  const structure = (browseName, typeId, body) => ns.addVariable({
    componentOf: types, browseName, nodeId: "s=" + browseName, dataType: typeId === "i=50" ? "i=50" : "Structure", minimumSamplingInterval: 100,
    value: { get: () => new opcua.Variant({ dataType: opcua.DataType.ExtensionObject, value: new RawStructure(opcua.coerceNodeId(typeId), body) }) },
  });
  structure("Decimal", "i=50", decimalBody(3, 12345678));                                        // 12345.678
  structure("DecimalNegative", "i=50", decimalBody(1, -15));                                    // -1.5
  structure("DecimalNegativeScale", "i=50", decimalBody(-2, 7));                                // 700
  structure("DecimalHuge", "i=50", decimalBody(5, "123456789012345678901234567890123456789"));  // beyond System.Decimal
  // A vendor structure the client has no description of: TypeId in the test namespace, 4 raw bytes.
  structure("UnknownStructure", "ns=" + ns.index + ";i=5001", Buffer.from([0x01, 0x02, 0x03, 0xFF]));

  // A variable whose read is denied.
  ns.addVariable({
    componentOf: types, browseName: "Denied", nodeId: "s=Denied", dataType: "Double",
    accessLevel: opcua.makeAccessLevelFlag("CurrentWrite"), userAccessLevel: opcua.makeAccessLevelFlag("CurrentWrite"),
    value: { get: () => new opcua.Variant({ dataType: opcua.DataType.Double, value: 1 }) },
  });

  // Many doubles, value = index, for split reads.
  // In blocks of 500: node-opcua checks sibling names on every add, so one folder of 20,000 takes minutes to build.
  const doubles = ns.addFolder(objects, { browseName: "Doubles", nodeId: "s=Doubles" });
  let block = null;
  for (let i = 0; i < doubleCount; i++) {
    const id = "Double." + String(i).padStart(5, "0");
    if (i % 500 === 0) block = ns.addFolder(doubles, { browseName: "Block" + String(i / 500).padStart(2, "0"), nodeId: "s=Doubles.Block" + String(i / 500).padStart(2, "0") });
    ns.addVariable({ componentOf: block, browseName: id, nodeId: "s=" + id, dataType: "Double", minimumSamplingInterval: 100, value: { get: () => new opcua.Variant({ dataType: opcua.DataType.Double, value: i }) } });
  }

  // A deep folder tree: Deep/L1/L2/.../L8/Leaf.
  let parent = ns.addFolder(objects, { browseName: "Deep", nodeId: "s=Deep" });
  for (let d = 1; d <= 8; d++) parent = ns.addFolder(parent, { browseName: "L" + d, nodeId: "s=Deep.L" + d });
  ns.addVariable({ componentOf: parent, browseName: "Leaf", nodeId: "s=Deep.Leaf", dataType: "Double", value: { get: () => new opcua.Variant({ dataType: opcua.DataType.Double, value: 42 }) } });

  // A counter that changes every 100 ms, for subscriptions.
  let counter = 0;
  setInterval(() => { counter++; }, 100);
  ns.addVariable({ componentOf: types, browseName: "Counter", nodeId: "s=Counter", dataType: "Int32", minimumSamplingInterval: 50, value: { get: () => new opcua.Variant({ dataType: opcua.DataType.Int32, value: counter }) } });

  // A ramp for deadband tests: +1 every 100 ms, 0..999, an AnalogItem with EURange 0..1000 (percent deadbands need it).
  let rampValue = 0;
  const ramp = ns.addAnalogDataItem({ componentOf: types, browseName: "Ramp", nodeId: "s=Ramp", dataType: "Double", minimumSamplingInterval: 0, engineeringUnitsRange: { low: 0, high: 1000 }, value: new opcua.Variant({ dataType: opcua.DataType.Double, value: 0 }) });
  setInterval(() => { rampValue = (rampValue + 1) % 1000; ramp.setValueFromSource(new opcua.Variant({ dataType: opcua.DataType.Double, value: rampValue })); }, 100);

  // Counters that all change every 100 ms, reported by value change (minimumSamplingInterval 0), for gap checks.
  if (counterCount > 0) {
    const folder = ns.addFolder(objects, { browseName: "Counters", nodeId: "s=Counters" });
    const counters = [];
    let counterBlock = null;
    for (let i = 0; i < counterCount; i++) {
      if (i % 500 === 0) counterBlock = ns.addFolder(folder, { browseName: "Block" + String(i / 500).padStart(3, "0"), nodeId: "s=Counters.Block" + String(i / 500).padStart(3, "0") });
      const id = "Counters." + String(i).padStart(5, "0");
      counters.push(ns.addVariable({ componentOf: counterBlock, browseName: id, nodeId: "s=" + id, dataType: "Int32", minimumSamplingInterval: 0, value: new opcua.Variant({ dataType: opcua.DataType.Int32, value: 0 }) }));
    }
    let tick = 0;
    setInterval(() => {
      tick++;
      for (const c of counters) c.setValueFromSource(new opcua.Variant({ dataType: opcua.DataType.Int32, value: tick }));
    }, 100);
  }

  // A server that stops publishing: Publish requests of muted sessions are swallowed, never answered.
  const mutedSessions = new Set();
  const onPublish = server._on_PublishRequest;
  server._on_PublishRequest = function (message, channel) {
    if (message.session && mutedSessions.has(message.session)) return;
    return onPublish.call(this, message, channel);
  };
  process.on("SIGUSR2", () => {
    for (const session of Object.values(server.engine._sessions || {})) mutedSessions.add(session);
    console.log("publish muted for " + mutedSessions.size + " session(s)");
  });

  // An operation limit enforced but not advertised: the client must split on BadTooManyOperations by itself.
  if (hiddenMaxMonitoredItems > 0) {
    const onCreateItems = server._on_CreateMonitoredItemsRequest;
    server._on_CreateMonitoredItemsRequest = function (message, channel) {
      if ((message.request.itemsToCreate || []).length > hiddenMaxMonitoredItems) {
        return this._apply_on_Subscription(opcua.CreateMonitoredItemsResponse, message, channel, async (_session, _subscription, _send, sendError) => sendError(opcua.StatusCodes.BadTooManyOperations));
      }
      return onCreateItems.call(this, message, channel);
    };
  }

  // The session count as the server sees it, so tests can prove the client never holds more than it should.
  let lastSessionCount = -1;
  const reportSessions = () => setImmediate(() => {
    const count = server.currentSessionCount;
    if (count !== lastSessionCount) { lastSessionCount = count; console.log("sessions " + count); }
  });
  server.on("create_session", reportSessions);
  server.on("session_closed", reportSessions);

  await server.start();
  console.log("ready " + server.getEndpointUrl() + " ns=" + addressSpace.getNamespaceIndex("urn:gateway:tests"));
  const stop = async () => { await server.shutdown(100); process.exit(0); };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
})().catch((e) => { console.error(e); process.exit(1); });
