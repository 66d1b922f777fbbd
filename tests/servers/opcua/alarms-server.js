// A node-opcua server with Alarms & Conditions (OPC 10000-9), driven by the test through a command file.
// Usage: node alarms-server.js --port 4840 --commands FILE [--alarms N] [--values N]
//   Objects/Machine (notifier of the Server object) with N conditions Alarm001..AlarmNNN of MachineAlarmType
//   (a subtype of AlarmConditionType with a vendor property AlarmNumber = 1000 + i).
// The test appends lines to FILE; each is run once, in order, and answered with "done <line number>" on stdout:
//   raise NAME SEVERITY TEXT...   activate the alarm (unacknowledged) with this message and severity
//   clear NAME                    make it inactive (kept, Retain, until acknowledged)
//   ack NAME COMMENT...           acknowledge it (as a client's Acknowledge would)
//   event COUNT                   COUNT plain BaseEventType events from Machine, at once (to overflow a small queue)
//   overflow                      an EventQueueOverflowEventType event from the Server object (node-opcua never sends one)
//   values                        add 1 to each of the --values Int32 variables Machine.V00001..., at once
//   flap COUNT                    raise or clear (alternately) the first COUNT alarms, at once
//   branch NAME                   a branch of the alarm (Part 9, 5.5.2): its previous state, inactive and unacknowledged,
//                                 kept for acknowledgement, raised as an event with its BranchId
//   shelve NAME                   shelve the alarm (OneShotShelved: SuppressedOrShelved true) and raise its state
//   shift                         a namespace is inserted before urn:gateway:tests:plant while clients are connected:
//                                 its index moves up by one (Plant.Speed 111 at the old index, 222 at the new one)
"use strict";
const fs = require("fs");
const opcua = require("node-opcua");

function arg(name, fallback) {
  const i = process.argv.indexOf("--" + name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const port = parseInt(arg("port", "4840"), 10);
const commandsFile = arg("commands", null);
const alarmCount = parseInt(arg("alarms", "3"), 10);
const valueCount = parseInt(arg("values", "0"), 10);

(async () => {
  const server = new opcua.OPCUAServer({
    port,
    hostname: "127.0.0.1",
    alternateHostname: ["127.0.0.1"],
    securityPolicies: [opcua.SecurityPolicy.None],
    securityModes: [opcua.MessageSecurityMode.None],
    allowAnonymous: true,
    buildInfo: { productName: "gateway-alarms-test-server" },
    serverCapabilities: { maxMonitoredItemsPerCall: 1000 },
  });
  await server.initialize();
  const addressSpace = server.engine.addressSpace;
  addressSpace.installAlarmsAndConditionsService();
  const ns = addressSpace.registerNamespace("urn:gateway:tests:alarms");
  const machine = ns.addObject({
    organizedBy: addressSpace.rootFolder.objects,
    browseName: "Machine",
    nodeId: "s=Machine",
    eventSourceOf: addressSpace.rootFolder.objects.server,
    eventNotifier: 1,
  });
  const alarmType = ns.addObjectType({ browseName: "MachineAlarmType", subtypeOf: "AlarmConditionType" });
  ns.addVariable({ propertyOf: alarmType, browseName: "AlarmNumber", dataType: "UInt32", modellingRule: "Mandatory" });
  const input = ns.addVariable({ componentOf: machine, browseName: "AlarmInput", nodeId: "s=Machine.AlarmInput", dataType: "Boolean", value: { dataType: "Boolean", value: false } });

  // Plain Int32 variables Machine.V00001..., all changed by `values`: the data-change baseline of the event benchmark.
  const values = [];
  for (let i = 1; i <= valueCount; i++) {
    values.push(ns.addVariable({ componentOf: machine, browseName: "V" + String(i).padStart(5, "0"), nodeId: "s=Machine.V" + String(i).padStart(5, "0"), dataType: "Int32", value: { dataType: "Int32", value: 0 } }));
  }

  // Two namespaces for `shift`: urn:gateway:tests:plant (Plant.Speed = 111), then a spare one (Plant.Speed = 222).
  // `shift` renames them, as if a namespace had been inserted before the plant's: the NamespaceArray the server
  // reports changes inside running sessions and the plant's index moves up by one.
  const plant = addressSpace.registerNamespace("urn:gateway:tests:plant");
  const spare = addressSpace.registerNamespace("urn:gateway:tests:spare");
  for (const [space, speed] of [[plant, 111], [spare, 222]]) {
    space.addVariable({ organizedBy: addressSpace.rootFolder.objects, browseName: "PlantSpeed" + speed, nodeId: "s=Plant.Speed", dataType: "Int32", value: { dataType: "Int32", value: speed } });
  }

  const alarms = new Map();
  for (let i = 1; i <= alarmCount; i++) {
    const name = "Alarm" + String(i).padStart(3, "0");
    const alarm = ns.instantiateAlarmCondition(alarmType, {
      componentOf: machine,
      conditionSource: machine,
      browseName: name,
      nodeId: "s=Machine." + name,
      conditionName: name,
      inputNode: input,
      optionals: ["ConfirmedState", "Confirm", "ShelvingState"],
    });
    const number = alarm.getPropertyByName("AlarmNumber") || alarm.getChildByName("AlarmNumber");
    number.setValueFromSource({ dataType: "UInt32", value: 1000 + i });
    alarm.setEnabledState(true);
    // node-opcua leaves a new ShelvingState without a current state, which its SuppressedOrShelved counts as shelved.
    alarm.shelvingState.setState("Unshelved");
    alarms.set(name, alarm);
  }

  const byName = (name) => {
    const alarm = alarms.get(name);
    if (!alarm) throw new Error("no alarm " + name);
    return alarm;
  };
  const raise = (alarm, severity, text) => {
    alarm.activateAlarm();
    alarm.raiseNewCondition({ message: text, severity, retain: true, quality: opcua.StatusCodes.Good });
  };
  const clear = (alarm) => {
    const branch = alarm.currentBranch();
    const acked = branch.getAckedState();
    alarm.deactivateAlarm(!acked);
    alarm.raiseNewCondition({ message: alarm.currentBranch().getMessage().text + " (cleared)", severity: branch.getSeverity(), retain: !acked, quality: opcua.StatusCodes.Good });
  };
  const run = (line) => {
    const [command, ...rest] = line.trim().split(/\s+/);
    switch (command) {
      case "raise": raise(byName(rest[0]), parseInt(rest[1], 10), rest.slice(2).join(" ")); break;
      case "clear": clear(byName(rest[0])); break;
      case "ack": {
        const alarm = byName(rest[0]);
        alarm.acknowledgeAndAutoConfirmBranch(alarm.currentBranch(), rest.slice(1).join(" ") || "acknowledged");
        break;
      }
      case "event":
        for (let i = 0; i < parseInt(rest[0], 10); i++) {
          machine.raiseEvent("BaseEventType", { message: { dataType: "LocalizedText", value: { text: "burst " + i } }, severity: { dataType: "UInt16", value: 10 } });
        }
        break;
      case "overflow":
        // node-opcua never reports a full event queue itself: the event the server would send (Part 4, 5.12.1.5).
        addressSpace.rootFolder.objects.server.raiseEvent("EventQueueOverflowEventType", { severity: { dataType: "UInt16", value: 1000 } });
        break;
      case "values":
        for (const variable of values) {
          variable.setValueFromSource({ dataType: "Int32", value: variable.readValue().value.value + 1 });
        }
        break;
      case "flap": {
        const count = parseInt(rest[0], 10);
        let i = 0;
        for (const alarm of alarms.values()) {
          if (i++ >= count) break;
          if (alarm.currentBranch().getActiveState()) clear(alarm); else raise(alarm, 300, "flap " + i);
        }
        break;
      }
      case "branch": {
        const alarm = byName(rest[0]);
        const branch = alarm.createBranch();
        branch.setActiveState(false);
        branch.setAckedState(false);
        branch.setRetain(true);
        alarm.raiseNewBranchState(branch);
        break;
      }
      case "shelve": {
        const alarm = byName(rest[0]);
        alarm.shelvingState.setState("OneShotShelved");
        alarm.raiseNewBranchState(alarm.currentBranch());
        break;
      }
      case "shift":
        plant.namespaceUri = "urn:gateway:tests:inserted";
        spare.namespaceUri = "urn:gateway:tests:plant";
        break;
      case "": break;
      default: throw new Error("unknown command " + command);
    }
  };

  if (commandsFile) {
    fs.writeFileSync(commandsFile, "", { flag: "a" });
    let done = 0;
    setInterval(() => {
      const lines = fs.readFileSync(commandsFile, "utf8").split("\n");
      // The last element is the part after the final newline: not complete yet.
      while (done < lines.length - 1) {
        const line = lines[done++];
        try {
          run(line);
          console.log("done " + done);
        } catch (e) {
          console.log("failed " + done + " " + e.message);
        }
      }
    }, 50);
  }

  // Who acknowledged what through the Acknowledge method (the gateway's `gateway ack`).
  for (const [name, alarm] of alarms) {
    alarm.on("acknowledged", (eventId, comment) => console.log("acknowledged " + name + " " + (comment && comment.text)));
    alarm.on("confirmed", (eventId, comment) => console.log("confirmed " + name + " " + (comment && comment.text)));
  }

  await server.start();
  console.log("ready " + server.getEndpointUrl() + " ns=" + ns.index);
  const stop = async () => { await server.shutdown(100); process.exit(0); };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
})().catch((e) => { console.error(e); process.exit(1); });
