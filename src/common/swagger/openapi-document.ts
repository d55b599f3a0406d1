import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { applyOpenApiConventions } from './openapi-conventions';
import { FieldErrorDto, ProblemDto } from './problem.dto';

export const BEARER_AUTH = 'bearer';

/** The groups of Swagger UI, in the order a newcomer reads them. */
const TAGS: Array<[string, string]> = [
  ['auth', 'Sign-up, login and tokens, email verification, password reset, and the caller’s sessions'],
  ['users', 'The signed-in user’s own account, and user administration (admin role)'],
  ['health', 'Probes for load balancers and Kubernetes; outside /api/v1, never throttled'],
  ['metrics', 'The Prometheus scrape; outside /api/v1, keep it off the public internet'],
  ['problems', 'The pages that problem `type`s resolve to'],
];

/**
 * The OpenAPI document of the routes `app` registered. The served document (/docs-json) and
 * the committed `openapi.json` (`npm run openapi`) both come from here, so they cannot differ.
 * `app` needs its global prefix set; it may be a preview application (no providers started).
 */
export function createOpenApiDocument(app: INestApplication, apiPrefix: string): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Enterprise backend API')
    .setDescription(
      `REST API under /${apiPrefix}. Errors are RFC 9457 problem details (application/problem+json) ` +
        'carrying the request id; their `type` is one of the registry at /problems. Authenticate with ' +
        `POST /${apiPrefix}/auth/login, then "Authorize" with the access token.`,
    )
    .setVersion('1.0')
    .setLicense('MIT', 'https://opensource.org/licenses/MIT')
    .addServer('/', 'The instance serving this document (any environment: local, staging or production)')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description:
          'Access token from POST /auth/login or /auth/refresh: an HS256 JWT with exp, iss and aud checked, ' +
          'short-lived (JWT_ACCESS_TTL), revocable, following RFC8725 (JWT best current practices).',
      },
      BEARER_AUTH,
    );
  for (const [name, description] of TAGS) builder.addTag(name, description);
  const document = SwaggerModule.createDocument(app, builder.build(), { extraModels: [ProblemDto, FieldErrorDto] });
  // One server, relative: wherever the document is read from. Public, not an internal API.
  document.servers = (document.servers ?? []).map((server) => ({ ...server, 'x-internal': false }));
  return applyOpenApiConventions(document, apiPrefix);
}
