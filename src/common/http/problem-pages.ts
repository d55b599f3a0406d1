import { STATUS_CODES } from 'node:http';
import { PROBLEM_CODES, PROBLEM_TYPES, ProblemCode, problemType } from './problem-types';
import type { ProblemDetails } from './problem';

/** A body of the type, as the OpenAPI examples and the pages show it. */
export function exampleProblem(code: ProblemCode, instance = '/api/v1/users/me'): ProblemDetails {
  const { status, summary } = PROBLEM_TYPES[code];
  return {
    type: problemType(code),
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail: summary,
    instance,
    requestId: '5f0c6f2e-7a53-4f5e-9a8e-2d7c1b0f3e11',
    ...(code === 'validation_failed' ? { errors: [{ field: 'email', message: 'email must be an email' }] } : {}),
  };
}

/** The page a problem `type` resolves to (Markdown): served at /problems/<code>, committed as docs/problems/<code>.md. */
export function problemPage(code: ProblemCode, registry = '/problems'): string {
  const { status, summary, remedy } = PROBLEM_TYPES[code];
  return [
    `# Problem type \`${code}\``,
    '',
    `\`type: "${problemType(code)}"\`, status ${status} ${STATUS_CODES[status] ?? ''}`.trimEnd(),
    '',
    summary,
    '',
    '## What to do',
    '',
    remedy,
    '',
    '## Example',
    '',
    '```json',
    JSON.stringify(exampleProblem(code), null, 2),
    '```',
    '',
    `Switch on \`type\`, never on \`title\` or \`detail\`, whose wording may change. All types: [the registry](${registry}).`,
    '',
  ].join('\n');
}

/** The registry page: every type with its status, linking each page as `link(code)` names it. */
export function problemIndexPage(link: (code: ProblemCode) => string): string {
  return [
    '# Problem types',
    '',
    'Every error answer is an RFC 9457 problem (`application/problem+json`) whose `type` is one',
    'of these. `type` is a URI reference relative to the service, resolving to the page of the',
    'type; it is the same on every deployment, so clients switch on it.',
    '',
    '| type | status | when |',
    '| --- | ---: | --- |',
    ...PROBLEM_CODES.map((code) => {
      const { status, summary } = PROBLEM_TYPES[code];
      return `| [\`${problemType(code)}\`](${link(code)}) | ${status} | ${summary} |`;
    }),
    '',
  ].join('\n');
}
