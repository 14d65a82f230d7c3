// Calls the handler in-process with the event in argv[2], N times (argv[3]),
// each call timed with the result serialised as the runtime would, and prints
// the median and the 99th percentile in nanoseconds.
import fs from 'node:fs';
import { handler } from './app.mjs';

const event = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const n = Number(process.argv[3] || 20000);
const context = { awsRequestId: 'x', getRemainingTimeInMillis: () => 3000 };
for (let i = 0; i < 2000; i++) JSON.stringify(await handler(event, context));
const t = new Array(n);
for (let i = 0; i < n; i++) {
  const s = process.hrtime.bigint();
  JSON.stringify(await handler(event, context));
  t[i] = Number(process.hrtime.bigint() - s);
}
t.sort((a, b) => a - b);
console.log(`${t[Math.floor(n / 2)]} ${t[Math.floor(n * 0.99)]}`);
