import { Logger } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { once } from 'node:events';
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo, createServer as createTcpServer } from 'node:net';
import { hostname } from 'node:os';
import { appConfig, AppConfig } from '@/config/configuration';
import { waitFor } from '@tools/wait-for';
import { ConsulModule } from './consul.module';
import { ConsulRegistrationService, normaliseAgentUrl } from './consul-registration.service';

interface AgentCall {
  method: string;
  path: string;
  token?: string;
  body?: Record<string, unknown>;
}

/** A stand-in for the Consul agent's HTTP API that records every call and can be told to fail. */
class RecordingAgent {
  readonly calls: AgentCall[] = [];
  failuresLeft = 0;
  private server?: Server;

  async start(port = 0): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req).then((status) => res.writeHead(status).end()));
    this.server.listen(port, '127.0.0.1');
    await once(this.server, 'listening');
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }

  waitForCall(path: RegExp, timeoutMs = 5_000): Promise<AgentCall> {
    return waitFor(() => this.calls.find((c) => path.test(c.path) && this.answered(c)), {
      timeoutMs,
      intervalMs: 20,
      what: `an answered call to ${path}`,
    });
  }

  private answered(call: AgentCall): boolean {
    return (call as AgentCall & { status?: number }).status === 200;
  }

  private async handle(req: IncomingMessage): Promise<number> {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const call: AgentCall & { status?: number } = {
      method: req.method ?? '',
      path: req.url ?? '',
      token: req.headers['x-consul-token'] as string | undefined,
      body: raw ? (JSON.parse(raw) as Record<string, unknown>) : undefined,
    };
    call.status = this.failuresLeft-- > 0 ? 500 : 200;
    this.calls.push(call);
    return call.status;
  }
}

const config = (overrides: Partial<AppConfig> = {}): AppConfig =>
  ({
    env: 'test',
    port: 4321,
    serviceName: 'nest-enterprise-backend',
    consulAddress: undefined,
    consulToken: undefined,
    consulServiceAddress: '10.1.2.3',
    consulCheckIntervalMs: 10_000,
    ...overrides,
  }) as AppConfig;

describe('ConsulRegistrationService', () => {
  let agent: RecordingAgent;
  let address: string;

  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(true));

  beforeEach(async () => {
    agent = new RecordingAgent();
    address = await agent.start();
  });

  afterEach(() => agent.stop());

  it('registers the instance with an HTTP check on /health/ready and deregisters it on shutdown', async () => {
    const sut = new ConsulRegistrationService(config({ consulAddress: address, consulToken: 'acl-token' }));

    sut.onApplicationBootstrap();
    const register = await agent.waitForCall(/^\/v1\/agent\/service\/register$/);

    const id = `nest-enterprise-backend-${hostname()}-4321`;
    expect(register).toMatchObject({ method: 'PUT', token: 'acl-token' });
    expect(register.body).toEqual({
      ID: id,
      Name: 'nest-enterprise-backend',
      Address: '10.1.2.3',
      Port: 4321,
      Tags: ['test'],
      Check: {
        HTTP: 'http://10.1.2.3:4321/health/ready',
        Interval: '10s',
        Timeout: '5s',
        DeregisterCriticalServiceAfter: '1m',
      },
    });
    await waitUntil(() => sut.isRegistered);

    await sut.beforeApplicationShutdown();
    expect(agent.calls.at(-1)).toMatchObject({ method: 'PUT', path: `/v1/agent/service/deregister/${id}` });
    expect(sut.isRegistered).toBe(false);
  });

  it('returns from bootstrap at once and keeps retrying in the background until the agent accepts', async () => {
    agent.failuresLeft = 2;
    const sut = new ConsulRegistrationService(config({ consulAddress: `http://${address}/` }));

    sut.onApplicationBootstrap();
    expect(sut.isRegistered).toBe(false);

    await agent.waitForCall(/register$/, 10_000);
    // The agent has the call before the service has read the answer.
    await waitUntil(() => sut.isRegistered);
    expect(agent.calls.map((c) => c.path)).toEqual(Array(3).fill('/v1/agent/service/register'));
    await sut.beforeApplicationShutdown();
  });

  it('registers once an agent that was down at boot comes up', async () => {
    const port = Number(address.split(':')[1]);
    await agent.stop();
    const sut = new ConsulRegistrationService(config({ consulAddress: address }));

    // Until the agent is up, its port resets every connection: the first attempt fails.
    let refused = 0;
    const down = createTcpServer((socket) => {
      refused += 1;
      socket.resetAndDestroy();
    }).listen(port, '127.0.0.1');
    await once(down, 'listening');
    sut.onApplicationBootstrap();
    await waitUntil(() => refused >= 1);
    down.close();
    await once(down, 'close');
    agent = new RecordingAgent();
    await agent.start(port);

    await agent.waitForCall(/register$/, 10_000);
    await waitUntil(() => sut.isRegistered);
    expect(agent.calls.filter((c) => c.path === '/v1/agent/service/register')).toHaveLength(1);
    await sut.beforeApplicationShutdown();
  });

  it('stops retrying on shutdown and does not deregister what it never registered', async () => {
    agent.failuresLeft = Number.POSITIVE_INFINITY;
    const sut = new ConsulRegistrationService(config({ consulAddress: address }));

    sut.onApplicationBootstrap();
    await waitUntil(() => agent.calls.length >= 1);
    await sut.beforeApplicationShutdown();
    const callsAtShutdown = agent.calls.length;
    // Nothing to wait for: the test is that nothing happens. 800 ms outlasts the first retry delay (500 ms).
    await new Promise((r) => setTimeout(r, 800));

    expect(agent.calls.length).toBe(callsAtShutdown);
    expect(agent.calls.every((c) => c.path.endsWith('/register'))).toBe(true);
  });

  it('shuts down promptly when the agent has gone away', async () => {
    const sut = new ConsulRegistrationService(config({ consulAddress: address }));
    sut.onApplicationBootstrap();
    await agent.waitForCall(/register$/);
    await agent.stop();

    const started = Date.now();
    await sut.beforeApplicationShutdown();
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('does nothing without CONSUL_HTTP_ADDR', async () => {
    const sut = new ConsulRegistrationService(config());
    sut.onApplicationBootstrap();
    await sut.beforeApplicationShutdown();
    expect(agent.calls).toHaveLength(0);
  });

  it('accepts host:port and URL forms of the agent address', () => {
    expect(normaliseAgentUrl('consul:8500')).toBe('http://consul:8500');
    expect(normaliseAgentUrl('https://consul.internal:8501/')).toBe('https://consul.internal:8501');
  });

  it('registers and deregisters through the Nest lifecycle when wired as a module', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { NODE_ENV: 'test', PORT: '3999', CONSUL_HTTP_ADDR: address });
    try {
      const moduleRef = await Test.createTestingModule({
        imports: [ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [appConfig] }), ConsulModule],
      }).compile();
      const app = moduleRef.createNestApplication({ logger: false });
      await app.init();
      await agent.waitForCall(/register$/);
      await app.close();

      expect(agent.calls.map((c) => c.path)).toEqual([
        '/v1/agent/service/register',
        expect.stringMatching(/^\/v1\/agent\/service\/deregister\/nest-enterprise-backend-.+-3999$/),
      ]);
    } finally {
      process.env = saved;
    }
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  await waitFor(condition, { timeoutMs, intervalMs: 20 });
}
