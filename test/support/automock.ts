/**
 * Typed mocks for unit specs, after immich's `automock` (server/test/utils.ts): every method of
 * the mocked type is a `jest.fn` that fails the test when it is called without an
 * implementation. A spec implements exactly the calls it expects, so a call the code under
 * test newly makes cannot pass unnoticed by returning undefined.
 *
 *   const users = automock(Repository<User>, { findOne: async () => user });
 *   users.update.mockResolvedValue({ affected: 1, raw: [], generatedMaps: [] });
 *   const cache = automock<Cache>('Cache', { get: async (key) => entries.get(key) });
 *
 * Give a class where there is one: its methods are known up front, and the mock is an
 * `instanceof` it. An interface (a type with no class behind it) is mocked by name; any
 * method it is asked for becomes a failing mock on first use.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any constructor, whatever it takes
type Class<T> = abstract new (...args: any[]) => T;

/** Methods as plain functions (each becomes the mock's implementation), other members as values. */
export type Implementations<T> = {
  [K in keyof T]?: T[K] extends (...args: infer A) => infer R ? (...args: A) => R : T[K];
};

/** Calls to methods that had no implementation, in the current test. */
const unmockedCalls: string[] = [];

// The error a missing implementation throws may be caught by the code under test (a cache
// failure is survivable, say); the call still fails the test.
afterEach(() => {
  const calls = [...new Set(unmockedCalls.splice(0))];
  if (calls.length > 0) throw new Error(`Called without a mock implementation: ${calls.join(', ')}`);
});

function failingMock(label: string): jest.Mock {
  return jest
    .fn(() => {
      unmockedCalls.push(label);
      throw new Error(`${label} was called without a mock implementation`);
    })
    .mockName(label);
}

function asMock(label: string, value: unknown): unknown {
  if (typeof value !== 'function' || jest.isMockFunction(value)) return value;
  return jest.fn(value as (...args: unknown[]) => unknown).mockName(label);
}

/** Own members of `implementations`, methods wrapped as mocks, getters kept as getters. */
function define(target: object, name: string, implementations: object): Set<PropertyKey> {
  const given = new Set<PropertyKey>();
  for (const [key, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(implementations))) {
    given.add(key);
    if ('value' in descriptor) descriptor.value = asMock(`${name}.${key}`, descriptor.value);
    Object.defineProperty(target, key, { ...descriptor, enumerable: true, configurable: true });
  }
  return given;
}

/** Inspected by jest, promises and Node when they look at any object: never turned into mocks. */
const WELL_KNOWN = new Set(['then', 'toJSON', 'asymmetricMatch', 'nodeType', '$$typeof', 'constructor', 'inspect']);

export function automock<T extends object>(type: Class<T>, implementations?: Implementations<T>): jest.Mocked<T>;
export function automock<T extends object>(name: string, implementations?: Implementations<T>): jest.Mocked<T>;
export function automock<T extends object>(
  typeOrName: Class<T> | string,
  implementations: Implementations<T> = {},
): jest.Mocked<T> {
  if (typeof typeOrName === 'string') {
    const name = typeOrName;
    const target: Record<PropertyKey, unknown> = {};
    define(target, name, implementations);
    return new Proxy(target, {
      get(object, key, receiver) {
        if (typeof key === 'symbol' || key in object || WELL_KNOWN.has(key)) return Reflect.get(object, key, receiver);
        object[key] = failingMock(`${name}.${key}`);
        return object[key];
      },
    }) as jest.Mocked<T>;
  }

  const type = typeOrName;
  const mock: object = Object.create(type.prototype as object);
  const given = define(mock, type.name, implementations);
  for (let proto = type.prototype as object | null; proto && proto !== Object.prototype;) {
    for (const [key, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(proto))) {
      if (key === 'constructor' || given.has(key)) continue;
      given.add(key);
      const label = `${type.name}.${key}`;
      if (typeof descriptor.value === 'function') {
        Object.defineProperty(mock, key, { value: failingMock(label), writable: true, configurable: true });
      } else if (descriptor.get) {
        // A getter would run the real class's code on a half-made object: reading one is a call too.
        Object.defineProperty(mock, key, {
          configurable: true,
          get: () => {
            unmockedCalls.push(label);
            throw new Error(`${label} was read without a mock value`);
          },
        });
      }
    }
    proto = Object.getPrototypeOf(proto) as object | null;
  }
  return mock as jest.Mocked<T>;
}
