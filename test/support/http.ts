import { once } from 'node:events';
import { IncomingMessage, request } from 'node:http';

export interface HttpResult {
  status: number;
  headers: IncomingMessage['headers'];
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON of whatever route was called
}

export interface HttpOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: unknown;
  bearer?: string;
  /** Local address to send from (any 127.0.0.x): stands for a distinct client machine. */
  localAddress?: string;
}

/**
 * One request over node:http, which (unlike fetch) can choose the local address and send
 * any header, including X-Forwarded-For. A new connection per request, so the address a
 * server sees is always `localAddress`.
 */
export async function http(url: string, options: HttpOptions = {}): Promise<HttpResult> {
  const headers: Record<string, string> = { ...options.headers };
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  if (payload !== undefined) {
    headers['content-type'] = 'application/json';
    // Node frames a body by chunked encoding only for methods that usually carry one: a
    // DELETE body without a length would reach the server as the start of another request.
    headers['content-length'] = String(Buffer.byteLength(payload));
  }
  if (options.bearer) headers.authorization = `Bearer ${options.bearer}`;
  const req = request(url, {
    method: options.method ?? 'GET',
    headers,
    localAddress: options.localAddress,
    agent: false,
  });
  req.end(payload);
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  let text = '';
  for await (const chunk of res) text += chunk;
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON (nginx's own pages): keep the text.
  }
  return { status: res.statusCode ?? 0, headers: res.headers, body };
}
