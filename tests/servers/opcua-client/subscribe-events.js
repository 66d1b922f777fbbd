// node-opcua's client subscribes to events of our simulator (an EventFilter on an object's EventNotifier, as any
// client would) and reports the first event whose Message contains a given text; used by tests/Gateway.Simulator.Tests.
// Prints "SUBSCRIBED" once the monitored item exists, then one line "REPORT <json>" with that event's fields.
// Usage: node subscribe-events.js <endpointUrl> <notifierNodeId> <messageText>
"use strict";
const { OPCUAClient, MessageSecurityMode, SecurityPolicy, AttributeIds, TimestampsToReturn, constructEventFilter, ofType } = require("node-opcua");

const fields = ["EventId", "EventType", "SourceName", "Time", "Message", "Severity", "ConditionName", "Retain", "ActiveState.Id", "AckedState.Id", "NoSuchField"];

// A field's value as JSON: LocalizedText as its text, dates as ISO text, byte strings as hex; Null as null.
function plain(variant) {
    if (!variant || variant.value === null || variant.value === undefined) {
        return null;
    }
    const x = variant.value;
    if (typeof x === "number" || typeof x === "boolean" || typeof x === "string") {
        return x;
    }
    if (x instanceof Date) {
        return x.toISOString();
    }
    if (Buffer.isBuffer(x)) {
        return x.toString("hex");
    }
    return x.text !== undefined ? x.text : x.toString();
}

async function main() {
    const [endpointUrl, notifier, text] = process.argv.slice(2);
    const client = OPCUAClient.create({
        applicationName: "gateway-events-check", endpointMustExist: false,
        securityMode: MessageSecurityMode.None, securityPolicy: SecurityPolicy.None,
        connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 200 },
    });
    await client.connect(endpointUrl);
    const session = await client.createSession();
    const subscription = await session.createSubscription2({
        requestedPublishingInterval: 100, requestedMaxKeepAliveCount: 20, requestedLifetimeCount: 200,
        maxNotificationsPerPublish: 100, publishingEnabled: true, priority: 1,
    });
    const received = new Promise((resolve) => {
        subscription.monitor(
            { nodeId: notifier, attributeId: AttributeIds.EventNotifier },
            { samplingInterval: 0, queueSize: 100, discardOldest: true, filter: constructEventFilter(fields, ofType("AlarmConditionType")) },
            TimestampsToReturn.Both,
        ).then((item) => {
            item.on("changed", (eventFields) => {
                const event = {};
                fields.forEach((name, i) => { event[name] = plain(eventFields[i]); });
                if (String(event.Message || "").includes(text)) {
                    resolve(event);
                }
            });
            console.log("SUBSCRIBED");
        }).catch((e) => { console.error(e && e.stack ? e.stack : String(e)); process.exit(1); });
    });
    const event = await received;
    console.log("REPORT " + JSON.stringify(event));
    await subscription.terminate();
    await session.close();
    await client.disconnect();
}

main().catch((e) => { console.error(e && e.stack ? e.stack : String(e)); process.exit(1); });
