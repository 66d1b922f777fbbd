// node-opcua's own client reading the same nodes as our benchmark, for the CPU-per-value comparison.
// Usage: node read-bench.js ENDPOINT NAMESPACE COUNT PER_CALL ROUNDS  -> prints one JSON line
"use strict";
const opcua = require("node-opcua");
const [endpoint, ns, count, perCall, rounds] = [process.argv[2], +process.argv[3], +process.argv[4], +process.argv[5], +process.argv[6]];
(async () => {
  const client = opcua.OPCUAClient.create({ endpointMustExist: false, requestedSessionTimeout: 60000 });
  await client.connect(endpoint);
  const session = await client.createSession();
  const nodes = [];
  for (let i = 0; i < count; i++) nodes.push({ nodeId: `ns=${ns};s=Double.${String(i).padStart(5, "0")}`, attributeId: opcua.AttributeIds.Value });
  // Warm up with whole rounds, as our client does: both sides are measured in their steady state (V8's JIT done).
  for (let r = 0; r < 5; r++) {
    for (let o = 0; o < nodes.length; o += perCall) await session.read(nodes.slice(o, o + perCall));
  }
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let values = 0;
  for (let r = 0; r < rounds; r++) {
    for (let o = 0; o < nodes.length; o += perCall) {
      const result = await session.read(nodes.slice(o, o + perCall));
      values += result.length;
    }
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  console.log(JSON.stringify({ client: "node-opcua", values, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 }));
  await session.close();
  await client.disconnect();
})().catch((e) => { console.error(e); process.exit(1); });
