import { Module } from '@nestjs/common';
import { ConsulRegistrationService } from './consul-registration.service';

/** Service discovery through a Consul agent; inert unless CONSUL_HTTP_ADDR is set. */
@Module({
  providers: [ConsulRegistrationService],
  exports: [ConsulRegistrationService],
})
export class ConsulModule {}
