// A node-opcua server for tag discovery and history backfill tests (namespace urn:gateway:tests:discovery).
// Usage: node discovery-server.js --port 4840 [--machines 2] [--many 250] [--history-ms 200]
//   Objects/Plant/MachineN/Spindle/{Speed,Load,Name} and MachineN/Feed/Rate for N = 1..machines; MachineN also has an
//   Organizes reference back to Plant (a cycle in the reference graph); Plant/Many holds `many` Int32 variables.
//   Objects/History/Counter: an Int32 that counts up every history-ms, historizing (AccessLevel HistoryRead, node-opcua's
//   in-memory historian); Objects/History/Plain: an Int32 counting alike without history.
// SIGHUP: adds Machine(N+1) with its Spindle and removes Machine1/Spindle/Load (prints "changed" when done).
"use strict";
const opcua = require("node-opcua");

function arg(name, fallback) {
  const i = process.argv.indexOf("--" + name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const port = parseInt(arg("port", "4840"), 10);
let machines = parseInt(arg("machines", "2"), 10);
const many = parseInt(arg("many", "250"), 10);
const historyMs = parseInt(arg("history-ms", "200"), 10);

(async () => {
  const server = new opcua.OPCUAServer({
    port,
    hostname: "127.0.0.1",
    alternateHostname: ["127.0.0.1"],
    securityPolicies: [opcua.SecurityPolicy.None],
    securityModes: [opcua.MessageSecurityMode.None],
    allowAnonymous: true,
    serverCapabilities: {
      maxBrowseContinuationPoints: 10,
      maxHistoryContinuationPoints: 10,
      operationLimits: { maxNodesPerBrowse: 50, maxNodesPerRead: 1000, maxNodesPerHistoryReadData: 10 },
    },
    buildInfo: { productName: "gateway-discovery-test-server" },
  });
  await server.initialize();
  const addressSpace = server.engine.addressSpace;
  const ns = addressSpace.registerNamespace("urn:gateway:tests:discovery");
  const objects = addressSpace.rootFolder.objects;
  const plant = ns.addFolder(objects, { browseName: "Plant", nodeId: "s=Plant" });

  const variable = (parent, browseName, nodeId, dataType, value) =>
    ns.addVariable({ componentOf: parent, browseName, nodeId, dataType, minimumSamplingInterval: 100, value: { get: () => new opcua.Variant({ dataType: opcua.DataType[dataType], value }) } });

  const addMachine = (n) => {
    const machine = ns.addObject({ organizedBy: plant, browseName: "Machine" + n, nodeId: `s=Machine${n}` });
    const spindle = ns.addObject({ componentOf: machine, browseName: "Spindle", nodeId: `s=Machine${n}.Spindle` });
    variable(spindle, "Speed", `s=Machine${n}.Spindle.Speed`, "Double", 1000 * n);
    variable(spindle, "Load", `s=Machine${n}.Spindle.Load`, "Double", 10 * n);
    variable(spindle, "Name", `s=Machine${n}.Spindle.Name`, "String", "S" + n);
    const feed = ns.addObject({ componentOf: machine, browseName: "Feed", nodeId: `s=Machine${n}.Feed` });
    variable(feed, "Rate", `s=Machine${n}.Feed.Rate`, "Double", 100 * n);
    // A cycle: the machine organizes the plant that organizes it.
    machine.addReference({ referenceType: "Organizes", nodeId: plant.nodeId });
  };
  for (let n = 1; n <= machines; n++) addMachine(n);

  const manyFolder = ns.addFolder(plant, { browseName: "Many", nodeId: "s=Many" });
  for (let i = 0; i < many; i++) variable(manyFolder, "V" + String(i).padStart(4, "0"), "s=Many." + i, "Int32", i);

  const history = ns.addFolder(objects, { browseName: "History", nodeId: "s=History" });
  const counter = ns.addVariable({
    componentOf: history, browseName: "Counter", nodeId: "s=History.Counter", dataType: "Int32",
    accessLevel: "CurrentRead | HistoryRead", userAccessLevel: "CurrentRead | HistoryRead", historizing: true, minimumSamplingInterval: 0, // 0: every change is reported (exception-based), none sampled away
  });
  addressSpace.installHistoricalDataNode(counter, { maxOnlineValues: 100000 });
  const plain = ns.addVariable({ componentOf: history, browseName: "Plain", nodeId: "s=History.Plain", dataType: "Int32", minimumSamplingInterval: 50 });
  let count = 0;
  const tick = () => {
    count++;
    const now = new Date();
    counter.setValueFromSource(new opcua.Variant({ dataType: opcua.DataType.Int32, value: count }), opcua.StatusCodes.Good, now);
    plain.setValueFromSource(new opcua.Variant({ dataType: opcua.DataType.Int32, value: count }), opcua.StatusCodes.Good, now);
  };
  tick();
  setInterval(tick, historyMs);

  process.on("SIGHUP", () => {
    machines++;
    addMachine(machines);
    const load = addressSpace.findNode(`ns=${ns.index};s=Machine1.Spindle.Load`);
    if (load) addressSpace.deleteNode(load);
    console.log("changed machines=" + machines);
  });

  await server.start();
  console.log(`ready ${server.getEndpointUrl()} ns=${ns.index}`);
  process.on("SIGTERM", async () => { await server.shutdown(100); process.exit(0); });
})().catch((e) => { console.error(e); process.exit(1); });
