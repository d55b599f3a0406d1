/** The framework's floor: NestJS on express with one route, no middleware, guards or pipes. */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { BareModule } from './bare-module';
import { portFromEnv } from './fixture';

async function main(): Promise<void> {
  const app = await NestFactory.create(BareModule, { logger: false });
  await app.listen(portFromEnv(), '127.0.0.1');
}

void main();
