/**
 * The suites and `npm run typecheck` compile the client package's sources (packages/client,
 * mapped in tsconfig.json) against Node's globals, not the DOM library the package itself is
 * built with. Node declares fetch, Request and RequestInit as globals but not the DOM's name
 * for a request body, which the generated fetch client uses: this is that name, for the same type.
 */
declare global {
  type BodyInit = NonNullable<RequestInit['body']>;
}

export {};
