/** The framework's floor: NestJS on express with one route, no middleware, guards or pipes. */
import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { portFromEnv, USER_FIXTURE } from './fixture';

@Controller()
class BareController {
  @Get()
  get() {
    return USER_FIXTURE;
  }
}

@Module({ controllers: [BareController] })
class BareModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create(BareModule, { logger: false });
  await app.listen(portFromEnv(), '127.0.0.1');
}

void main();
