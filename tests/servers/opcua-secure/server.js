// A node-opcua server for the gateway's security tests: every security policy x mode, user names, X.509 users.
// Usage: node server.js --port 4840 --pki DIR [--plain-port 4841] [--token-lifetime 600000] [--doubles 1000]
//   --pki DIR            the server's own PKI folders (server/ and user/ below DIR); a test passes a temp folder.
//                        Client and user certificates are accepted automatically: trust is the client's side here.
//   --plain-port P       a second endpoint, SecurityPolicy None only, whose user name token policy asks for no
//                        encryption either (the password would travel in clear text)
//   --token-lifetime MS  the longest security token lifetime granted (node-opcua's minimum is 2500 ms)
//   --doubles N          Doubles.00000 ... with value = index, for reads and the benchmark
// Users: user1 / password1. Prints "cert <sha1 thumbprint of the server certificate>" and "ready <url> ns=<index>".
"use strict";
const crypto = require("crypto");
const path = require("path");
const opcua = require("node-opcua");

function arg(name, fallback) {
  const i = process.argv.indexOf("--" + name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const port = parseInt(arg("port", "4840"), 10);
const plainPort = parseInt(arg("plain-port", "0"), 10);
const pki = arg("pki", null);
const tokenLifetime = parseInt(arg("token-lifetime", "600000"), 10);
const doubleCount = parseInt(arg("doubles", "1000"), 10);
if (!pki) { console.error("--pki DIR is required"); process.exit(2); }

(async () => {
  const serverCertificateManager = new opcua.OPCUACertificateManager({ rootFolder: path.join(pki, "server"), automaticallyAcceptUnknownCertificate: true });
  const userCertificateManager = new opcua.OPCUACertificateManager({ rootFolder: path.join(pki, "user"), automaticallyAcceptUnknownCertificate: true });
  const alternateEndpoints = plainPort > 0
    ? [{ port: plainPort, hostname: "127.0.0.1", securityPolicies: [opcua.SecurityPolicy.None], securityModes: [opcua.MessageSecurityMode.None] }]
    : [];
  const server = new opcua.OPCUAServer({
    port,
    hostname: "127.0.0.1",
    alternateHostname: ["127.0.0.1"],
    serverCertificateManager,
    userCertificateManager,
    securityPolicies: [opcua.SecurityPolicy.None, opcua.SecurityPolicy.Basic256Sha256, opcua.SecurityPolicy.Aes128_Sha256_RsaOaep, opcua.SecurityPolicy.Aes256_Sha256_RsaPss],
    securityModes: [opcua.MessageSecurityMode.None, opcua.MessageSecurityMode.Sign, opcua.MessageSecurityMode.SignAndEncrypt],
    alternateEndpoints,
    allowAnonymous: true,
    defaultSecureTokenLifetime: tokenLifetime,
    userManager: { isValidUser: (userName, password) => userName === "user1" && password === "password1" },
    serverCapabilities: { operationLimits: { maxNodesPerRead: 5000, maxNodesPerBrowse: 1000 } },
    buildInfo: { productName: "gateway-test-secure-server" },
  });
  await server.initialize();

  // The plain endpoint: replace its user name policies by one that asks for no encryption at all.
  if (plainPort > 0) {
    const plain = server.endpoints.find((e) => e.port === plainPort);
    for (const description of plain.endpointDescriptions()) {
      description.userIdentityTokens = description.userIdentityTokens.filter((t) => t.tokenType !== opcua.UserTokenType.UserName);
      description.userIdentityTokens.push(new opcua.UserTokenPolicy({ policyId: "username_plain", tokenType: opcua.UserTokenType.UserName, securityPolicyUri: opcua.SecurityPolicy.None }));
    }
  }

  const addressSpace = server.engine.addressSpace;
  const ns = addressSpace.registerNamespace("urn:gateway:tests");
  const objects = addressSpace.rootFolder.objects;
  const secure = ns.addFolder(objects, { browseName: "Secure", nodeId: "s=Secure" });
  ns.addVariable({ componentOf: secure, browseName: "Answer", nodeId: "s=Answer", dataType: "Double", minimumSamplingInterval: 100, value: { get: () => new opcua.Variant({ dataType: opcua.DataType.Double, value: 42.5 }) } });
  ns.addVariable({ componentOf: secure, browseName: "Text", nodeId: "s=Text", dataType: "String", minimumSamplingInterval: 100, value: { get: () => new opcua.Variant({ dataType: opcua.DataType.String, value: "보안 ✓" }) } });
  let counter = 0;
  setInterval(() => { counter++; }, 100);
  ns.addVariable({ componentOf: secure, browseName: "Counter", nodeId: "s=Counter", dataType: "Int32", minimumSamplingInterval: 100, value: { get: () => new opcua.Variant({ dataType: opcua.DataType.Int32, value: counter }) } });
  // Larger than one chunk, so responses are split into several signed / encrypted chunks.
  const big = new Float64Array(30000);
  for (let i = 0; i < big.length; i++) big[i] = i * 0.25;
  ns.addVariable({ componentOf: secure, browseName: "BigDoubleArray", nodeId: "s=BigDoubleArray", dataType: "Double", valueRank: 1, minimumSamplingInterval: 100, value: { get: () => new opcua.Variant({ dataType: opcua.DataType.Double, arrayType: opcua.VariantArrayType.Array, value: big }) } });
  const doubles = ns.addFolder(objects, { browseName: "Doubles", nodeId: "s=Doubles" });
  let block = null;
  for (let i = 0; i < doubleCount; i++) {
    if (i % 500 === 0) block = ns.addFolder(doubles, { browseName: "Block" + String(i / 500).padStart(2, "0"), nodeId: "s=Doubles.Block" + String(i / 500).padStart(2, "0") });
    const id = "Double." + String(i).padStart(5, "0");
    ns.addVariable({ componentOf: block, browseName: id, nodeId: "s=" + id, dataType: "Double", minimumSamplingInterval: 100, value: { get: () => new opcua.Variant({ dataType: opcua.DataType.Double, value: i }) } });
  }

  await server.start();
  console.log("cert " + crypto.createHash("sha1").update(server.getCertificate()).digest("hex").toUpperCase());
  console.log("ready opc.tcp://127.0.0.1:" + port + " ns=" + addressSpace.getNamespaceIndex("urn:gateway:tests"));
  const stop = async () => { await server.shutdown(100); process.exit(0); };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
})().catch((e) => { console.error(e); process.exit(1); });
