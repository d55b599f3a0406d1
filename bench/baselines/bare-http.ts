/** The floor: `node:http` answering one JSON body, no framework at all. */
import { createServer } from 'node:http';
import { portFromEnv, USER_FIXTURE } from './fixture';

createServer((_req, res) => {
  const body = JSON.stringify(USER_FIXTURE);
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}).listen(portFromEnv(), '127.0.0.1');
