import { getPriority } from 'node:os';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { answer, type HashThreadMessage, serve } from './hash.worker';
import { ARGON2_OPTIONS } from './password-hasher';

// In-process, on this thread: what the hashing threads run. hash-thread-pool.spec starts real ones.
describe('hash.worker', () => {
  describe(answer.name, () => {
    it('hashes with the options it is given, and verifies a password against the hash', () => {
      const reply = answer({ op: 'hash', password: 'correct horse' }, ARGON2_OPTIONS);
      expect(reply).toEqual({ value: expect.stringMatching(/^\$argon2id\$v=19\$m=19456,(t=2,p=1|p=1,t=2)\$/) });
      const hash = String('value' in reply && reply.value);

      expect(answer({ op: 'verify', hash, password: 'correct horse' }, ARGON2_OPTIONS)).toEqual({ value: true });
      expect(answer({ op: 'verify', hash, password: 'wrong horse' }, ARGON2_OPTIONS)).toEqual({ value: false });
    });

    it('answers with what argon2 threw rather than throwing it', () => {
      expect(answer({ op: 'hash', password: 'a' }, { ...ARGON2_OPTIONS, memoryCost: 1 })).toEqual({
        error: expect.any(String),
      });
      expect(answer({ op: 'verify', hash: 'not-a-hash', password: 'a' }, ARGON2_OPTIONS)).toEqual({
        error: expect.any(String),
      });
    });
  });

  describe(serve.name, () => {
    const channels: MessageChannel[] = [];
    /** The far end of a port that `serve` answers on. */
    const served = (nice: number): MessagePort => {
      const channel = new MessageChannel();
      channels.push(channel);
      serve(channel.port1, { argon2Options: ARGON2_OPTIONS, nice });
      return channel.port2;
    };
    const nextMessage = (port: MessagePort) =>
      new Promise<HashThreadMessage>((resolve) => port.once('message', resolve));

    afterEach(() => {
      for (const { port1, port2 } of channels.splice(0)) {
        port1.close();
        port2.close();
      }
    });

    it('answers each request on its port, in order', async () => {
      const port = served(0);

      port.postMessage({ op: 'hash', password: 'correct horse' });
      const hashed = await nextMessage(port);
      expect(hashed).toEqual({ value: expect.stringMatching(/^\$argon2id\$/) });

      const hash = String('value' in hashed && hashed.value);
      port.postMessage({ op: 'verify', hash, password: 'wrong horse' });
      port.postMessage({ op: 'verify', hash, password: 'correct horse' });
      await expect(nextMessage(port)).resolves.toEqual({ value: false });
      await expect(nextMessage(port)).resolves.toEqual({ value: true });
    });

    it('says why it could not lower its priority, then serves at the priority it has', async () => {
      const own = getPriority();
      // Out of setPriority's range, so it throws before changing anything, as it would without permission.
      const port = served(20);

      await expect(nextMessage(port)).resolves.toEqual({ niceFailed: expect.stringMatching(/priority/) });
      expect(getPriority()).toBe(own);

      port.postMessage({ op: 'verify', hash: 'not-a-hash', password: 'a' });
      await expect(nextMessage(port)).resolves.toEqual({ error: expect.any(String) });
    });
  });
});
