// Reads MELSEC devices once with mcprotocol (an independent MC protocol client) and prints one line
// "RESULT {json}" with each item's value, or "ERROR message". Run by tests/Gateway.Melsec.Tests.
// usage: node read-devices.js HOST PORT FRAME(1E|3E) ASCII(true|false) ITEM...
//   items as mcprotocol writes them: D0 (int16), DDINT2 (int32 at D2-D3), DFLOAT4 (float at D4-D5), M0, X10 ...
'use strict';
const MC = require('mcprotocol');

const [host, port, frame, ascii, ...items] = process.argv.slice(2);
const conn = new MC();
const deadline = setTimeout(() => { console.log("ERROR no answer within 15 s"); process.exit(3); }, 15000);

conn.initiateConnection({ host, port: Number(port), frame, ascii: ascii === 'true', octalInputOutput: true }, (err) => {
  if (err !== undefined) {
    console.log('ERROR ' + err);
    process.exit(2);
  }
  conn.addItems(items);
  conn.readAllItems((anythingBad, values) => {
    clearTimeout(deadline);
    console.log('RESULT ' + JSON.stringify({ bad: anythingBad, values }));
    conn.dropConnection();
    process.exit(anythingBad ? 1 : 0);
  });
});
