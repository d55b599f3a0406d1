import { defaultDeserialize, defaultSerialize } from '@keyv/serialize';
import { keyvDeserialize } from './keyv-json';

const encoded = (value: unknown) => defaultSerialize({ value, expires: 1_700_000_000_000 });

describe(keyvDeserialize.name, () => {
  it.each([
    [
      'a profile entry',
      { v: { id: 'u1', name: 'Ada', role: 'user', isActive: true, createdAt: '2026-01-01T00:00:00.000Z' } },
    ],
    ['a tombstone', { v: null }],
    ['strings that start with a colon', { v: { name: ':ada', other: '::x', empty: ':', plain: 'a:b' } }],
    ['a Buffer', { v: Buffer.from('bytes \u00ff') }],
    ['nested arrays', { v: [[':a', 1, null, [':b']], { deep: [{ k: ':c' }] }] }],
    ['a string', ':lone'],
    ['a number', 42],
  ])('decodes %s exactly as Keyv does', (_, value) => {
    const data = encoded(value);

    expect(keyvDeserialize(data)).toEqual(defaultDeserialize(data));
    expect(keyvDeserialize(data)).toEqual({ value, expires: 1_700_000_000_000 });
  });

  it('keeps a __proto__ key an own property, never the prototype', () => {
    const data = '{"value":{"__proto__":":x","polluted":":y"},"expires":null}';

    const decoded = keyvDeserialize<{ value: Record<string, unknown> }>(data);

    expect(decoded).toEqual(defaultDeserialize(data));
    expect(Object.getPrototypeOf(decoded.value)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(decoded.value, '__proto__')?.value).toBe('x');
  });

  it('decodes JSON written by other encoders, escapes and all', () => {
    for (const data of [
      'null',
      '"::base64:"',
      '":base64:AAEC"',
      '[":", "x", {"a": [":base64:"]}]',
      '{"a":1e3,"b":"\\u003ax"}',
    ]) {
      expect(keyvDeserialize(data)).toEqual(defaultDeserialize(data));
    }
  });
});
