import {
  Context,
  context,
  ContextManager,
  INVALID_SPAN_CONTEXT,
  ROOT_CONTEXT,
  trace,
  TraceFlags,
} from '@opentelemetry/api';
import { traceContextFields } from './trace-context';

/** The smallest synchronous context manager: `with` makes a context active for the duration of the call. */
class StackContextManager implements ContextManager {
  private current: Context = ROOT_CONTEXT;
  active(): Context {
    return this.current;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    const previous = this.current;
    this.current = ctx;
    try {
      return fn.call(thisArg, ...args);
    } finally {
      this.current = previous;
    }
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.current = ROOT_CONTEXT;
    return this;
  }
}

describe('traceContextFields', () => {
  beforeAll(() => context.setGlobalContextManager(new StackContextManager()));
  afterAll(() => context.disable());

  const inSpan = <T>(spanContext: Parameters<typeof trace.wrapSpanContext>[0], read: () => T): T =>
    context.with(trace.setSpan(ROOT_CONTEXT, trace.wrapSpanContext(spanContext)), read);

  it('adds the trace and span ids of the active span', () => {
    const ids = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' };

    expect(inSpan({ ...ids, traceFlags: TraceFlags.SAMPLED }, traceContextFields)).toEqual(ids);
  });

  it('adds nothing outside a traced request', () => {
    expect(traceContextFields()).toEqual({});
  });

  it('adds nothing for an invalid span context', () => {
    expect(inSpan(INVALID_SPAN_CONTEXT, traceContextFields)).toEqual({});
  });
});
