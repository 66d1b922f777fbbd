// node-opcua's client reads structured variables of our simulator and decodes them from the server's
// DataTypeDefinition (node-opcua-client-dynamic-extension-object), as any 1.04 client would; used by
// tests/Gateway.Simulator.Tests. Prints one line "REPORT <json>": per node its decoded value and its DataType's
// definition (field names) as node-opcua read them.
// Usage: node read-structure.js <endpointUrl> <nodeId> [<nodeId>...]
"use strict";
const { OPCUAClient, MessageSecurityMode, SecurityPolicy, AttributeIds } = require("node-opcua");
const { promoteOpaqueStructure } = require("node-opcua-client-dynamic-extension-object");

async function main() {
    const [endpointUrl, ...nodeIds] = process.argv.slice(2);
    const client = OPCUAClient.create({
        applicationName: "gateway-structure-check", endpointMustExist: false,
        securityMode: MessageSecurityMode.None, securityPolicy: SecurityPolicy.None,
        connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 200 },
    });
    await client.connect(endpointUrl);
    const session = await client.createSession();
    const report = {};
    for (const nodeId of nodeIds) {
        const dataValue = await session.read({ nodeId, attributeId: AttributeIds.Value });
        await promoteOpaqueStructure(session, [dataValue]);
        const dataType = await session.read({ nodeId, attributeId: AttributeIds.DataType });
        const definition = await session.read({ nodeId: dataType.value.value, attributeId: AttributeIds.DataTypeDefinition });
        const value = dataValue.value.value;
        report[nodeId] = {
            status: dataValue.statusCode.name,
            typeName: value && value.constructor ? value.constructor.name : null,
            value: value && typeof value.toJSON === "function" ? value.toJSON() : value,
            definitionStatus: definition.statusCode.name,
            definitionFields: definition.value.value && definition.value.value.fields ? definition.value.value.fields.map((f) => f.name) : [],
        };
    }
    console.log("REPORT " + JSON.stringify(report));
    await session.close();
    await client.disconnect();
}

main().catch((e) => { console.error(e && e.stack ? e.stack : String(e)); process.exit(1); });
