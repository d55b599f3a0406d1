/**
 * The typical secured stack a template starts from: helmet, a global ValidationPipe and a
 * guard verifying the bearer token through `@nestjs/jwt` with the secret as a *string*,
 * which jsonwebtoken 9 tries to parse as a public key on every verify
 * (auth0/node-jsonwebtoken#966). It is the comparison point the service must beat by 3x.
 */
import 'reflect-metadata';
import {
  CanActivate,
  Controller,
  ExecutionContext,
  Get,
  Injectable,
  Module,
  UnauthorizedException,
  ValidationPipe,
} from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { JwtModule, JwtService } from '@nestjs/jwt';
import type { Request } from 'express';
import helmet from 'helmet';
import { portFromEnv, USER_FIXTURE } from './fixture';

/** Given by the harness, which signs the bearer token with it. */
const SECRET = process.env.BASELINE_JWT_SECRET ?? '';

@Injectable()
class BearerGuard implements CanActivate {
  constructor(private readonly jwt: JwtService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request & { user?: unknown }>();
    const [scheme, token] = (req.headers.authorization ?? '').split(' ');
    if (scheme !== 'Bearer' || !token) throw new UnauthorizedException();
    try {
      req.user = await this.jwt.verifyAsync(token);
    } catch {
      throw new UnauthorizedException();
    }
    return true;
  }
}

@Controller()
class SecuredController {
  @Get()
  get() {
    return USER_FIXTURE;
  }
}

@Module({
  imports: [JwtModule.register({ secret: SECRET, signOptions: { expiresIn: '1h' } })],
  controllers: [SecuredController],
  providers: [{ provide: APP_GUARD, useClass: BearerGuard }],
})
class SecuredModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create(SecuredModule, { logger: false });
  app.use(helmet());
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, transform: true }));
  await app.listen(portFromEnv(), '127.0.0.1');
}

void main();
