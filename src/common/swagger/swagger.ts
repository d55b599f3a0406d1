import type { INestApplication } from '@nestjs/common';
import { SwaggerModule } from '@nestjs/swagger';
import { createOpenApiDocument } from './openapi-document';

export { BEARER_AUTH } from './openapi-document';

/** Serves Swagger UI at /docs and the OpenAPI 3 document at /docs-json (outside /api/v1). */
export function setupSwagger(app: INestApplication, apiPrefix: string): void {
  SwaggerModule.setup('docs', app, createOpenApiDocument(app, apiPrefix), {
    jsonDocumentUrl: 'docs-json',
    yamlDocumentUrl: 'docs-yaml',
    swaggerOptions: { persistAuthorization: true },
  });
}
