// The baseline the gateway is measured against: node:http + one undici Pool, streaming both
// ways, no logic. Usage: node --import tsx bench/bare-proxy.ts <backend origin> (prints {port}).
import { createServer } from 'node:http';
import { Pool, type Dispatcher } from 'undici';

const pool = new Pool(process.argv[2]!, { connections: 256, pipelining: 1, keepAliveTimeout: 4_000 });
const server = createServer((req, res) => {
  const { host: _host, connection: _connection, ...headers } = req.headers;
  pool.request({ path: req.url!, method: req.method as Dispatcher.HttpMethod, headers, body: req.method === 'GET' || req.method === 'HEAD' ? null : req }).then(
    ({ statusCode, headers: h, body }) => {
      const { connection: _c, 'keep-alive': _k, 'transfer-encoding': _t, ...out } = h;
      res.writeHead(statusCode, out);
      body.pipe(res);
    },
    () => {
      res.writeHead(502).end();
    },
  );
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: (server.address() as { port: number }).port })));
