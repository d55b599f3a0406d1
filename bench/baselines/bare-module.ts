/** The one route of the framework's floor (bare-nest.ts, bare-nest-fastify.ts): no middleware, guards or pipes. */
import { Controller, Get, Module } from '@nestjs/common';
import { USER_FIXTURE } from './fixture';

@Controller()
class BareController {
  @Get()
  get() {
    return USER_FIXTURE;
  }
}

@Module({ controllers: [BareController] })
export class BareModule {}
