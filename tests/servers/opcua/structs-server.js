// A node-opcua server with structured DataTypes (structs.NodeSet2.xml), for the gateway's structure tests.
// Usage: node structs-server.js --port 4840 [--dictionary-only]
//   ToolData  { Number: UInt32, Name: String, Life: ToolLife { Used, Limit: Double }, WearHistory: Double[],
//               State: ToolState (enum), Comment?: String (optional) }
//   Setpoint  a union of Speed (Double) and Program (String)
// Variables (namespace urn:gateway:structs): s=Tool1 (with a comment), s=Tool2 (without), s=Setpoint (Program "O1234"),
// s=Tool1.Used (a Double, changes every 200 ms together with Tool1's Life.Used).
// --dictionary-only: the DataTypes answer BadAttributeIdInvalid for DataTypeDefinition (a 1.03 server, like older
// S7-1500 firmware) and describe themselves by a DataTypeDictionary (OPC Binary schema) under OPC Binary instead,
// reached from each "Default Binary" encoding by HasDescription. node-opcua still encodes the values from the nodeset.
"use strict";
const path = require("path");
const opcua = require("node-opcua");

function arg(name, fallback) {
  const i = process.argv.indexOf("--" + name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const port = parseInt(arg("port", "4840"), 10);
const dictionaryOnly = process.argv.includes("--dictionary-only");
const uri = "urn:gateway:structs";

const bsd = `<opc:TypeDictionary xmlns:opc="http://opcfoundation.org/BinarySchema/" xmlns:ua="http://opcfoundation.org/UA/"
    xmlns:tns="${uri}" TargetNamespace="${uri}" DefaultByteOrder="LittleEndian">
  <opc:Import Namespace="http://opcfoundation.org/UA/"/>
  <opc:StructuredType Name="ToolLife" BaseType="ua:ExtensionObject">
    <opc:Field Name="Used" TypeName="opc:Double"/>
    <opc:Field Name="Limit" TypeName="opc:Double"/>
  </opc:StructuredType>
  <opc:EnumeratedType Name="ToolState" LengthInBits="32">
    <opc:EnumeratedValue Name="Idle" Value="0"/>
    <opc:EnumeratedValue Name="InUse" Value="1"/>
    <opc:EnumeratedValue Name="Worn" Value="2"/>
  </opc:EnumeratedType>
  <opc:StructuredType Name="ToolData" BaseType="ua:ExtensionObject">
    <opc:Field Name="CommentSpecified" TypeName="opc:Bit"/>
    <opc:Field Name="Reserved1" TypeName="opc:Bit" Length="31"/>
    <opc:Field Name="Number" TypeName="opc:UInt32"/>
    <opc:Field Name="Name" TypeName="opc:String"/>
    <opc:Field Name="Life" TypeName="tns:ToolLife"/>
    <opc:Field Name="NoOfWearHistory" TypeName="opc:Int32"/>
    <opc:Field Name="WearHistory" TypeName="opc:Double" LengthField="NoOfWearHistory"/>
    <opc:Field Name="State" TypeName="tns:ToolState"/>
    <opc:Field Name="Comment" TypeName="opc:String" SwitchField="CommentSpecified"/>
  </opc:StructuredType>
  <opc:StructuredType Name="Setpoint" BaseType="ua:Union">
    <opc:Field Name="SwitchField" TypeName="opc:UInt32"/>
    <opc:Field Name="Speed" TypeName="opc:Double" SwitchField="SwitchField" SwitchValue="1"/>
    <opc:Field Name="Program" TypeName="opc:String" SwitchField="SwitchField" SwitchValue="2"/>
  </opc:StructuredType>
</opc:TypeDictionary>`;

(async () => {
  const server = new opcua.OPCUAServer({
    port,
    hostname: "127.0.0.1",
    alternateHostname: ["127.0.0.1"],
    securityPolicies: [opcua.SecurityPolicy.None],
    securityModes: [opcua.MessageSecurityMode.None],
    allowAnonymous: true,
    nodeset_filename: [opcua.nodesets.standard, path.join(__dirname, "structs.NodeSet2.xml")],
    buildInfo: { productName: "gateway-structs-server" },
  });
  await server.initialize();
  const addressSpace = server.engine.addressSpace;
  const ns = addressSpace.getNamespace(uri);
  const index = ns.index;
  const toolData = addressSpace.findNode(`ns=${index};i=3001`);
  const setpointType = addressSpace.findNode(`ns=${index};i=3004`);
  const objects = addressSpace.rootFolder.objects;
  const folder = ns.addFolder(objects, { browseName: "Tools", nodeId: "s=Tools" });

  let used = 12.5;
  const tool = (number, comment) => addressSpace.constructExtensionObject(toolData, {
    number,
    name: number === 7 ? "Drill 8 mm" : "Mill 20 mm",
    life: { used: number === 7 ? used : 3, limit: 90 },
    wearHistory: number === 7 ? [0.1, 0.25, 0.5] : [],
    state: number === 7 ? 1 : 0,
    ...(comment === undefined ? {} : { comment }),
  });
  const structure = (value) => ({ get: () => new opcua.Variant({ dataType: opcua.DataType.ExtensionObject, value }) });
  let tool1 = tool(7, "re-ground");
  const tool1Variable = ns.addVariable({ componentOf: folder, browseName: "Tool1", nodeId: "s=Tool1", dataType: toolData, minimumSamplingInterval: 100, value: { get: () => new opcua.Variant({ dataType: opcua.DataType.ExtensionObject, value: tool1 }) } });
  ns.addVariable({ componentOf: folder, browseName: "Tool2", nodeId: "s=Tool2", dataType: toolData, minimumSamplingInterval: 100, value: structure(tool(8, undefined)) });
  ns.addVariable({ componentOf: folder, browseName: "Setpoint", nodeId: "s=Setpoint", dataType: setpointType, minimumSamplingInterval: 100, value: structure(addressSpace.constructExtensionObject(setpointType, { program: "O1234", switchField: 2 })) });
  ns.addVariable({ componentOf: folder, browseName: "Tool1.Used", nodeId: "s=Tool1.Used", dataType: "Double", minimumSamplingInterval: 100, value: { get: () => new opcua.Variant({ dataType: opcua.DataType.Double, value: used }) } });
  setInterval(() => {
    used = Math.round((used + 0.5) * 10) / 10;
    tool1 = tool(7, "re-ground");
    tool1Variable.touchValue && tool1Variable.touchValue();
  }, 200);

  if (dictionaryOnly) {
    // No DataTypeDefinition: what a 1.03 server answers.
    for (const id of [3001, 3002, 3003, 3004]) {
      const node = addressSpace.findNode(`ns=${index};i=${id}`);
      const read = node.readAttribute.bind(node);
      node.readAttribute = (context, attributeId, ...rest) =>
        attributeId === opcua.AttributeIds.DataTypeDefinition
          ? new opcua.DataValue({ statusCode: opcua.StatusCodes.BadAttributeIdInvalid })
          : read(context, attributeId, ...rest);
    }
    const opcBinary = addressSpace.findNode("i=93");
    const dictionary = ns.addVariable({
      componentOf: opcBinary, browseName: uri, nodeId: "s=Dictionary", typeDefinition: "DataTypeDictionaryType", dataType: "ByteString",
      value: { dataType: opcua.DataType.ByteString, value: Buffer.from(bsd, "utf8") },
    });
    for (const [name, encodingId] of [["ToolData", 5001], ["ToolLife", 5002], ["Setpoint", 5004]]) {
      const description = ns.addVariable({
        componentOf: dictionary, browseName: name, nodeId: "s=Dictionary." + name, typeDefinition: "DataTypeDescriptionType", dataType: "String",
        value: { dataType: opcua.DataType.String, value: name },
      });
      addressSpace.findNode(`ns=${index};i=${encodingId}`).addReference({ referenceType: "HasDescription", nodeId: description.nodeId });
    }
  }

  await server.start();
  console.log(`listening opc.tcp://127.0.0.1:${port} namespace ${index}${dictionaryOnly ? " dictionary-only" : ""}`);
  process.on("SIGTERM", async () => { await server.shutdown(0); process.exit(0); });
})().catch((e) => { console.error(e); process.exit(1); });
