import { METHODS } from 'node:http';

/**
 * What is read of an express (router 2) layer: `match` is the router's own matcher, so a
 * path matches here exactly when express would route it (path parameters, case-insensitive,
 * optional trailing slash, as the app's routing settings say). `route` is set on the layers
 * that `app.get()`, `app.post()`, … create; plain middleware has none. Neither is in
 * express's typings; a router that changed them would fail the method-not-allowed e2e suite.
 */
export interface RouteLayer {
  route: { methods: Record<string, boolean | undefined> };
  match(path: string): unknown;
}

/** Allow lists read in this order; methods not named here follow alphabetically. */
const ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
const rank = (method: string) => {
  const index = ORDER.indexOf(method);
  return index === -1 ? ORDER.length : index;
};
const byRank = (a: string, b: string) => rank(a) - rank(b) || a.localeCompare(b);

/** Methods once each, in the order an Allow header lists them. */
export const sortMethods = (methods: Iterable<string>): string[] => [...new Set(methods)].sort(byRank);

function isRouteLayer(layer: unknown): layer is RouteLayer {
  if (typeof layer !== 'object' || layer === null) return false;
  const { route, match } = layer as Partial<RouteLayer>;
  return typeof match === 'function' && typeof route?.methods === 'object' && route.methods !== null;
}

function methodsOf(layer: RouteLayer): string[] {
  const { methods } = layer.route;
  return Object.keys(methods)
    .filter((name) => name !== '_all' && methods[name] === true)
    .map((name) => name.toUpperCase());
}

/** `app.all()` registers the path for each method Node knows, where `router.all()` sets `_all`. */
const takesEveryMethod = (methods: string[]) => METHODS.every((method) => methods.includes(method));

/**
 * The methods each registered route answers, looked up by request path: the basis of a 405
 * and its `Allow` header. Built once from an express router's stack. A layer that takes
 * every method (`router.all()`, `app.all()`: Nest's not-found handler, middleware bound to
 * a path) is not a handler of a method and is left out.
 */
export class RouteMethods {
  private readonly routes: Array<{ layer: RouteLayer; methods: string[] }>;

  /** `alsoAnswered`: methods answered on every routed path before routing (OPTIONS, by CORS). */
  constructor(
    stack: readonly unknown[],
    private readonly alsoAnswered: readonly string[] = [],
  ) {
    this.routes = stack
      .filter(isRouteLayer)
      .map((layer) => ({ layer, methods: methodsOf(layer) }))
      .filter(({ layer, methods }) => layer.route.methods._all !== true && !takesEveryMethod(methods));
  }

  /** The methods some route takes on `path`, in a stable order; empty when no route has that path. */
  allowedOn(path: string): string[] {
    const allowed = new Set<string>();
    for (const { layer, methods } of this.routes) {
      if (!this.matches(layer, path)) continue;
      for (const method of methods) allowed.add(method);
    }
    if (allowed.size === 0) return [];
    // Express answers HEAD with the GET handler (its body left out) wherever HEAD has none.
    if (allowed.has('GET')) allowed.add('HEAD');
    for (const method of this.alsoAnswered) allowed.add(method);
    return sortMethods(allowed);
  }

  private matches(layer: RouteLayer, path: string): boolean {
    try {
      return Boolean(layer.match(path));
    } catch {
      // A parameter that is not valid percent-encoding: express refuses it with 400 before any miss.
      return false;
    }
  }
}
