// A stand-in for an SMS provider and a points API: prints every webhook it receives and
// answers 200 with a points balance (used by examples/review-points.json).
// Usage: node examples/echo-receiver.js [port]   (default 4000)
const http = require('node:http');

const port = Number(process.argv[2] ?? 4000);
http
  .createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      console.log(`${new Date().toISOString()} ${req.method} ${req.url}`);
      console.log(`  webhook-id: ${req.headers['webhook-id']}`);
      console.log(`  body: ${body}`);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true,"balance":12500}');
    });
  })
  .listen(port, '127.0.0.1', () => console.log(`echo receiver listening on http://127.0.0.1:${port}`));
