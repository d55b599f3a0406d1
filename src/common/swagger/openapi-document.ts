import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { ProblemDto } from './problem.dto';

export const BEARER_AUTH = 'bearer';

/**
 * The OpenAPI document of the routes `app` registered. The served document (/docs-json) and
 * the committed `openapi.json` (`npm run openapi`) both come from here, so they cannot differ.
 * `app` needs its global prefix set; it may be a preview application (no providers started).
 */
export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Enterprise backend API')
    .setDescription(
      'REST API under /api/v1. Errors are RFC 9457 problem details (application/problem+json) ' +
        'carrying the request id. Authenticate with POST /api/v1/auth/login, then "Authorize" with the access token.',
    )
    .setVersion('1.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, BEARER_AUTH)
    .build();
  return SwaggerModule.createDocument(app, config, { extraModels: [ProblemDto] });
}
