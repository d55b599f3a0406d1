import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { ProblemDto } from './problem.dto';

export const BEARER_AUTH = 'bearer';

/** Serves Swagger UI at /docs and the OpenAPI 3 document at /docs-json (outside /api/v1). */
export function setupSwagger(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('Enterprise backend API')
    .setDescription(
      'REST API under /api/v1. Errors are RFC 9457 problem details (application/problem+json) ' +
        'carrying the request id. Authenticate with POST /api/v1/auth/login, then "Authorize" with the access token.',
    )
    .setVersion('1.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, BEARER_AUTH)
    .build();
  const document = SwaggerModule.createDocument(app, config, { extraModels: [ProblemDto] });
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    yamlDocumentUrl: 'docs-yaml',
    swaggerOptions: { persistAuthorization: true },
  });
}
