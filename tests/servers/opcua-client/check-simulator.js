// An independent OPC UA client (node-opcua) run against our simulator by tests/Gateway.Simulator.Tests:
// browses everything under Objects, reads every variable (value and DataType), subscribes to N of them and
// prints one line "REPORT <json>" on stdout (node-opcua may print its own lines) for the test to compare with what the
// simulator advertises.
// Usage: node check-simulator.js <endpointUrl> <subscribeCount> [user password]
"use strict";
const {
    OPCUAClient, MessageSecurityMode, SecurityPolicy, AttributeIds, BrowseDirection, NodeClass,
    ClientSubscription, ClientMonitoredItemGroup, TimestampsToReturn, DataType, UserTokenType,
} = require("node-opcua");

async function browseAll(session, startNodeId, path, out) {
    let result = await session.browse({
        nodeId: startNodeId, browseDirection: BrowseDirection.Forward, referenceTypeId: "HierarchicalReferences",
        includeSubtypes: true, nodeClassMask: 0, resultMask: 63,
    });
    if (result.statusCode.isNotGood()) throw new Error(`browse ${startNodeId}: ${result.statusCode.toString()}`);
    let references = result.references || [];
    let pages = 1;
    while (result.continuationPoint && result.continuationPoint.length > 0) {
        result = await session.browseNext(result.continuationPoint, false);
        if (result.statusCode.isNotGood()) throw new Error(`browseNext ${startNodeId}: ${result.statusCode.toString()}`);
        references = references.concat(result.references || []);
        pages++;
    }
    out.pages = Math.max(out.pages || 0, pages);
    for (const ref of references) {
        const id = ref.nodeId.toString();
        if (ref.nodeId.namespace === 0) continue; // the Server object and other standard nodes
        const childPath = path ? `${path}/${ref.browseName.name}` : ref.browseName.name;
        if (ref.nodeClass === NodeClass.Variable) {
            if (!ref.browseName.name.startsWith("EngineeringUnits") && !ref.browseName.name.startsWith("EURange")) {
                out.variables.push({ nodeId: id, path: childPath });
            }
        } else if (ref.nodeClass === NodeClass.Object) {
            await browseAll(session, ref.nodeId, childPath, out);
        }
    }
}

async function main() {
    const [endpointUrl, subscribeArg, user, password] = process.argv.slice(2);
    const subscribeCount = parseInt(subscribeArg || "0", 10);
    const client = OPCUAClient.create({
        applicationName: "gateway-simulator-check", endpointMustExist: false,
        securityMode: MessageSecurityMode.None, securityPolicy: SecurityPolicy.None,
        connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 200 },
    });
    await client.connect(endpointUrl);
    const session = user
        ? await client.createSession({ type: UserTokenType.UserName, userName: user, password })
        : await client.createSession();
    const report = { namespaceArray: [], variables: [], values: {}, subscribed: 0, initialNotified: 0, notifications: 0, changedItems: 0 };

    const ns = await session.read({ nodeId: "i=2255", attributeId: AttributeIds.Value });
    report.namespaceArray = ns.value.value;
    const maxRead = await session.read({ nodeId: "i=11705", attributeId: AttributeIds.Value });
    report.maxNodesPerRead = maxRead.value.value;
    const state = await session.read({ nodeId: "i=2259", attributeId: AttributeIds.Value });
    report.serverState = state.value.value;

    const browsed = { variables: [] };
    await browseAll(session, "i=85", "", browsed);
    report.variables = browsed.variables;
    report.browsePages = browsed.pages;

    const toRead = [];
    for (const v of report.variables) {
        toRead.push({ nodeId: v.nodeId, attributeId: AttributeIds.Value });
        toRead.push({ nodeId: v.nodeId, attributeId: AttributeIds.DataType });
    }
    const values = await session.read(toRead);
    for (let i = 0; i < report.variables.length; i++) {
        const value = values[2 * i];
        const dataType = values[2 * i + 1];
        report.values[report.variables[i].nodeId] = {
            status: value.statusCode.name,
            variantType: DataType[value.value.dataType],
            dataTypeNode: dataType.value.value ? dataType.value.value.toString() : null,
            value: typeof value.value.value === "bigint" ? value.value.value.toString() : value.value.value,
        };
    }

    if (subscribeCount > 0) {
        const subscription = ClientSubscription.create(session, {
            requestedPublishingInterval: 200, requestedLifetimeCount: 600, requestedMaxKeepAliveCount: 10,
            maxNotificationsPerPublish: 0, publishingEnabled: true, priority: 1,
        });
        await new Promise((resolve, reject) => { subscription.on("started", resolve); subscription.on("internal_error", reject); });
        const items = report.variables.slice(0, subscribeCount).map(v => ({ nodeId: v.nodeId, attributeId: AttributeIds.Value }));
        const seen = new Set();
        const changed = new Set();
        const group = ClientMonitoredItemGroup.create(subscription, items, { samplingInterval: 100, discardOldest: true, queueSize: 1 }, TimestampsToReturn.Both);
        group.on("changed", (item, dataValue, index) => {
            report.notifications++;
            if (seen.has(index)) changed.add(index); else seen.add(index);
        });
        await new Promise(resolve => group.on("initialized", resolve));
        report.subscribed = items.length;
        const deadline = Date.now() + 15000;
        while (seen.size < items.length && Date.now() < deadline) await new Promise(r => setTimeout(r, 100));
        report.initialNotified = seen.size;
        await new Promise(r => setTimeout(r, 3000));
        report.changedItems = changed.size;
        await subscription.terminate();
    }

    await session.close();
    await client.disconnect();
    process.stdout.write("\nREPORT " + JSON.stringify(report) + "\n");
}

main().catch(err => { process.stderr.write(`check-simulator: ${err && err.stack || err}\n`); process.exit(1); });
