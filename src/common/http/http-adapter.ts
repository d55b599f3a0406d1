import type { AbstractHttpAdapter } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { Env } from '@/config/env.schema';

/**
 * The HTTP platform HTTP_ADAPTER names, for `NestFactory.create` and for the e2e tests'
 * application. Fastify is loaded only when it is asked for.
 */
export async function createHttpAdapter(
  env: Pick<Env, 'HTTP_ADAPTER' | 'TRUST_PROXY' | 'CORS_ORIGINS'>,
): Promise<AbstractHttpAdapter> {
  if (env.HTTP_ADAPTER === 'express') return new ExpressAdapter();
  const { createFastifyAdapter } = await import('./fastify-platform');
  return createFastifyAdapter({ trustProxy: env.TRUST_PROXY, answersPreflight: env.CORS_ORIGINS.length > 0 });
}

/**
 * Starts serving on `port` on every interface, as express's `listen(port)` does: fastify's
 * default host is the loopback address only. `::` also takes IPv4 where the system has IPv6.
 */
export async function listen(app: { listen(port: number, host?: string): Promise<unknown> }, env: Env): Promise<void> {
  if (env.HTTP_ADAPTER === 'express') {
    await app.listen(env.PORT);
    return;
  }
  try {
    await app.listen(env.PORT, '::');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EAFNOSUPPORT') throw error;
    await app.listen(env.PORT, '0.0.0.0');
  }
}
