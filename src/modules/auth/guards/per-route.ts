import type { ExecutionContext } from '@nestjs/common';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
type Target = Function;

/**
 * A value derived from a route's decorator metadata, computed on the route's first request
 * and kept: metadata does not change after boot, and global guards would otherwise repeat
 * the same reflection (two lookups per key) on every request. Keyed by handler and then by
 * controller, since an inherited handler can serve controllers with different metadata.
 */
export class PerRoute<T> {
  private readonly values = new WeakMap<Target, WeakMap<Target, T>>();

  constructor(private readonly compute: (targets: [handler: Target, controller: Target]) => T) {}

  of(context: ExecutionContext): T {
    const handler = context.getHandler();
    const controller = context.getClass();
    let byController = this.values.get(handler);
    if (!byController) {
      byController = new WeakMap();
      this.values.set(handler, byController);
    }
    if (byController.has(controller)) return byController.get(controller) as T;
    const value = this.compute([handler, controller]);
    byController.set(controller, value);
    return value;
  }
}
