import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { hostname, networkInterfaces } from 'node:os';
import { appConfig, AppConfig } from '@/config/configuration';

/** Retries start quickly (a sidecar agent is often seconds behind the app) and back off to this ceiling. */
const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 30_000;
const REQUEST_TIMEOUT_MS = 3_000;
/** Shutdown must not wait on an absent agent: Consul reaps the entry itself after the critical period. */
const DEREGISTER_TIMEOUT_MS = 1_000;
const DEREGISTER_CRITICAL_AFTER = '1m';

export interface ConsulServiceDefinition {
  ID: string;
  Name: string;
  Address: string;
  Port: number;
  Tags: string[];
  Check: { HTTP: string; Interval: string; Timeout: string; DeregisterCriticalServiceAfter: string };
}

/**
 * Registers this instance with the local Consul agent so that Consul-aware load balancers
 * find it, with an HTTP check on /health/ready: a draining or database-less instance drops
 * out of discovery on its own. Consul is optional infrastructure: an absent or failing
 * agent is retried in the background and never delays or fails the boot.
 */
@Injectable()
export class ConsulRegistrationService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ConsulRegistrationService.name);
  private readonly agentUrl?: string;
  private retryTimer?: NodeJS.Timeout;
  private inFlight?: Promise<void>;
  private stopped = false;
  private registered = false;

  constructor(@Inject(appConfig.KEY) private readonly config: AppConfig) {
    this.agentUrl = config.consulAddress === undefined ? undefined : normaliseAgentUrl(config.consulAddress);
  }

  /** The service entry this instance advertises; its ID is stable across restarts of the same pod. */
  get definition(): ConsulServiceDefinition {
    const address = this.config.consulServiceAddress ?? primaryAddress();
    const port = this.config.port;
    const intervalS = Math.max(1, Math.round(this.config.consulCheckIntervalMs / 1000));
    return {
      ID: `${this.config.serviceName}-${hostname()}-${port}`,
      Name: this.config.serviceName,
      Address: address,
      Port: port,
      Tags: [this.config.env],
      Check: {
        HTTP: `http://${address.includes(':') ? `[${address}]` : address}:${port}/health/ready`,
        Interval: `${intervalS}s`,
        Timeout: `${Math.min(5, intervalS)}s`,
        DeregisterCriticalServiceAfter: DEREGISTER_CRITICAL_AFTER,
      },
    };
  }

  get isRegistered(): boolean {
    return this.registered;
  }

  onApplicationBootstrap(): void {
    if (this.agentUrl === undefined) return;
    // Deliberately not awaited: boot never waits on Consul.
    this.inFlight = this.register(0);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    // A registration already on the wire may still land; wait for it (bounded by its timeout) to undo it.
    await this.inFlight;
    if (this.agentUrl === undefined || !this.registered) return;
    const { ID } = this.definition;
    try {
      await this.call(`/v1/agent/service/deregister/${encodeURIComponent(ID)}`, undefined, DEREGISTER_TIMEOUT_MS);
      this.registered = false;
      this.logger.log(`Deregistered ${ID} from Consul`);
    } catch (error) {
      this.logger.warn(`Could not deregister ${ID} from Consul (it expires on its own): ${describe(error)}`);
    }
  }

  private async register(attempt: number): Promise<void> {
    if (this.stopped) return;
    const definition = this.definition;
    try {
      await this.call('/v1/agent/service/register', definition, REQUEST_TIMEOUT_MS);
      this.registered = true;
      this.logger.log(`Registered ${definition.ID} (${definition.Address}:${definition.Port}) with Consul`);
    } catch (error) {
      if (this.stopped) return;
      const delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** attempt);
      this.logger.warn(`Consul registration failed (${describe(error)}); retrying in ${delay} ms`);
      this.retryTimer = setTimeout(() => {
        this.inFlight = this.register(attempt + 1);
      }, delay);
      // A pending retry must never keep a finished process alive.
      this.retryTimer.unref();
    }
  }

  private async call(path: string, body: unknown, timeoutMs: number): Promise<void> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.config.consulToken) headers['x-consul-token'] = this.config.consulToken;
    const response = await fetch(`${this.agentUrl}${path}`, {
      method: 'PUT',
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    // Drain the body so the connection is released even when it is not read.
    const text = await response.text();
    if (!response.ok) throw new Error(`HTTP ${response.status} ${text.slice(0, 200)}`.trim());
  }
}

/** Accepts Consul's own forms of CONSUL_HTTP_ADDR: `host:port` or a full `http(s)://` URL. */
export function normaliseAgentUrl(address: string): string {
  const withScheme = /^https?:\/\//i.test(address) ? address : `http://${address}`;
  return withScheme.replace(/\/+$/, '');
}

/** The first non-internal IPv4 address: what other hosts (and the agent's check) can reach. */
function primaryAddress(): string {
  for (const entries of Object.values(networkInterfaces())) {
    const found = entries?.find((entry) => entry.family === 'IPv4' && !entry.internal);
    if (found) return found.address;
  }
  return hostname();
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
}
