/** The framework's floor on the other HTTP adapter: bare-nest.ts on fastify, one route, nothing added. */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { BareModule } from './bare-module';
import { portFromEnv } from './fixture';

async function main(): Promise<void> {
  const app = await NestFactory.create<NestFastifyApplication>(BareModule, new FastifyAdapter(), { logger: false });
  await app.listen(portFromEnv(), '127.0.0.1');
}

void main();
