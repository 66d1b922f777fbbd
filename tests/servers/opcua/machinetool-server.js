// A node-opcua server that loads the OPC 40501 companion nodesets and instantiates MachineToolType: an independent
// implementation of the machine-tool model for the gateway's `discover: {model: machinetool}` tests.
// Usage: node machinetool-server.js --port 4840 --companion DIR
//   DIR holds Opc.Ua.Di.NodeSet2.xml, Opc.Ua.Machinery.NodeSet2.xml and Opc.Ua.MachineTool.NodeSet2.xml (the normative files
//   of ../shared/opcua-schema/companion); the models they require that DIR lacks (IA, ISA95-JOBCONTROL, Machinery/Jobs)
//   come from node-opcua's own nodeset package. Objects/Machines/MillingCenter is a MachineToolType instance with a
//   spindle (SpindleMonitoringType) and a channel (ChannelMonitoringType) under Monitoring; its values are fixed:
//   OperationMode 1 (Automatic), program "O4711" Running, PartsProducedInLifetime 1234, spindle override 95.
"use strict";
const path = require("path");
const opcua = require("node-opcua");

function arg(name, fallback) {
  const i = process.argv.indexOf("--" + name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const port = parseInt(arg("port", "4840"), 10);
const companion = arg("companion", "");
const MT = "http://opcfoundation.org/UA/MachineTool/";
const MACHINERY = "http://opcfoundation.org/UA/Machinery/";

(async () => {
  const server = new opcua.OPCUAServer({
    port,
    hostname: "127.0.0.1",
    alternateHostname: ["127.0.0.1"],
    securityPolicies: [opcua.SecurityPolicy.None],
    securityModes: [opcua.MessageSecurityMode.None],
    allowAnonymous: true,
    nodeset_filename: [
      opcua.nodesets.standard,
      path.join(companion, "Opc.Ua.Di.NodeSet2.xml"),
      opcua.nodesets.ia,
      path.join(companion, "Opc.Ua.Machinery.NodeSet2.xml"),
      opcua.nodesets.isa95JobControl,
      opcua.nodesets.machineryJobs,
      path.join(companion, "Opc.Ua.MachineTool.NodeSet2.xml"),
    ],
    buildInfo: { productName: "gateway-machinetool-test-server" },
  });
  await server.initialize();
  const addressSpace = server.engine.addressSpace;
  const mt = addressSpace.getNamespaceIndex(MT);
  const machinery = addressSpace.getNamespaceIndex(MACHINERY);
  const own = addressSpace.registerNamespace("urn:gateway:tests:machinetool");

  const machines = addressSpace.findNode(`ns=${machinery};i=1001`) || own.addFolder(addressSpace.rootFolder.objects, { browseName: "Machines" });
  const machineToolType = addressSpace.findObjectType("MachineToolType", mt);
  const machine = machineToolType.instantiate({
    browseName: "MillingCenter",
    organizedBy: machines,
    optionals: ["Production.Statistics", "Production.Statistics.PartsProducedInLifetime", "Monitoring.MachineTool.FeedOverride"],
  });

  const set = (node, dataType, value) => node.setValueFromSource(new opcua.Variant({ dataType, value }));
  const child = (node, ...names) => names.reduce((n, name) => n && n.getChildByName(name, name === "CurrentState" || name === "NumberInList" ? 0 : undefined), node);

  set(child(machine, "Monitoring", "MachineTool", "OperationMode"), opcua.DataType.Int32, 1);
  set(child(machine, "Monitoring", "MachineTool", "FeedOverride"), opcua.DataType.Double, 80);
  set(child(machine, "Production", "ActiveProgram", "Name"), opcua.DataType.String, "O4711");
  set(child(machine, "Production", "ActiveProgram", "State", "CurrentState"), opcua.DataType.LocalizedText, new opcua.LocalizedText({ text: "Running" }));
  set(child(machine, "Production", "Statistics", "PartsProducedInLifetime"), opcua.DataType.UInt32, 1234);

  // The placeholders <SpindleName> and <ChannelName> under Monitoring: instances of their types with names of our choice.
  const monitoring = child(machine, "Monitoring");
  const spindle = addressSpace.findObjectType("SpindleMonitoringType", mt).instantiate({ browseName: { name: "MainSpindle", namespaceIndex: own.index }, componentOf: monitoring, optionals: ["Override"] });
  set(spindle.getChildByName("Override"), opcua.DataType.Double, 95);
  set(spindle.getChildByName("IsRotating"), opcua.DataType.Boolean, true);
  const channel = addressSpace.findObjectType("ChannelMonitoringType", mt).instantiate({ browseName: { name: "Channel1", namespaceIndex: own.index }, componentOf: monitoring });
  set(channel.getChildByName("ChannelState"), opcua.DataType.Int32, 0);
  set(channel.getChildByName("FeedOverride"), opcua.DataType.Double, 80);

  await server.start();
  console.log(`ready ${server.getEndpointUrl()} mt=${mt}`);
  process.on("SIGTERM", async () => { await server.shutdown(100); process.exit(0); });
})().catch((e) => { console.error(e); process.exit(1); });
