import type { Request } from 'express';
import { Socket } from 'node:net';
import { automock } from '@test/support/automock';
import { clientOf } from './client-address';

describe('clientOf', () => {
  it('uses the address express resolved, then the socket peer, then "unknown"', () => {
    expect(clientOf({ ip: '203.0.113.7', socket: { remoteAddress: '10.0.0.1' } } as Request)).toBe('203.0.113.7');
    const peer = (remoteAddress?: string) => automock(Socket, { remoteAddress });
    expect(clientOf(automock<Request>('Request', { ip: undefined, socket: peer('10.0.0.1') }))).toBe('10.0.0.1');
    expect(clientOf(automock<Request>('Request', { ip: undefined, socket: peer() }))).toBe('unknown');
  });
});
