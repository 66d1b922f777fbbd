// A node-opcua server with AnalogItems that carry EngineeringUnits (OPC 10000-8, 5.6.3), for `unitFromServer`.
// Usage: node units-server.js --port 4840 [--temperature-unit C|F]
//   Machine/Temperature   Double, EngineeringUnits with a display name (°C, or °F with --temperature-unit F)
//   Machine/SpindleSpeed  Double, EngineeringUnits with the UNECE unit id of RPM and an empty display name
//   Machine/Pressure      Double, EngineeringUnits with an unknown unit id and an empty display name
//   Machine/Count         Int32, a plain variable without EngineeringUnits
"use strict";
const opcua = require("node-opcua");

function arg(name, fallback) {
  const i = process.argv.indexOf("--" + name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const port = parseInt(arg("port", "4840"), 10);
const temperatureUnit = arg("temperature-unit", "C");

(async () => {
  const server = new opcua.OPCUAServer({
    port,
    hostname: "127.0.0.1",
    alternateHostname: ["127.0.0.1"],
    securityPolicies: [opcua.SecurityPolicy.None],
    securityModes: [opcua.MessageSecurityMode.None],
    allowAnonymous: true,
    buildInfo: { productName: "gateway-units-test-server" },
  });
  await server.initialize();
  const ns = server.engine.addressSpace.registerNamespace("urn:gateway:tests:units");
  const machine = ns.addObject({ organizedBy: server.engine.addressSpace.rootFolder.objects, browseName: "Machine", nodeId: "s=Machine" });
  const analog = (name, value, engineeringUnits) => ns.addAnalogDataItem({
    componentOf: machine, browseName: name, nodeId: "s=Machine." + name, dataType: "Double",
    engineeringUnits, engineeringUnitsRange: { low: 0, high: 10000 },
    value: new opcua.Variant({ dataType: opcua.DataType.Double, value }),
  });
  analog("Temperature", 21.5, temperatureUnit === "F" ? opcua.standardUnits.degree_fahrenheit : opcua.standardUnits.degree_celsius);
  // RPM: UnitId 5394509 in UNECE_to_OPCUA.csv; the display name is left for the client to look up.
  analog("SpindleSpeed", 1200, opcua.makeEUInformation("RPM", "", ""));
  // "ZZZ" is no UNECE code: an id that no table knows, and no display name either.
  analog("Pressure", 3.5, opcua.makeEUInformation("ZZZ", "", ""));
  ns.addVariable({ componentOf: machine, browseName: "Count", nodeId: "s=Machine.Count", dataType: "Int32", value: new opcua.Variant({ dataType: opcua.DataType.Int32, value: 7 }) });

  await server.start();
  console.log("ready " + server.getEndpointUrl());
  const stop = async () => { await server.shutdown(100); process.exit(0); };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
})().catch((e) => { console.error(e); process.exit(1); });
