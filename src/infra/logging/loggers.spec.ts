import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { captureLogLines } from '@test/support/log-lines';
import { createLoggers } from './loggers';
import { runInRequestContext } from './request-context';

describe('createLoggers', () => {
  it('stamps root lines logged inside a request with its id, and no others', () => {
    const out = captureLogLines();
    const { root } = createLoggers({ env: 'production', logLevel: 'info' }, out.stream);

    const req = Object.assign(new IncomingMessage(new Socket()), { id: 'req-7' });
    runInRequestContext(req, () => root.warn('inside'));
    root.warn('outside');

    expect(out.lines.map((l) => [l.msg, l.requestId])).toEqual([
      ['inside', 'req-7'],
      ['outside', undefined],
    ]);
  });

  it('redacts secrets on root lines, however they are nested', () => {
    const out = captureLogLines();
    const { root } = createLoggers({ env: 'production', logLevel: 'info' }, out.stream);

    root.info(
      { password: 'p1', body: { refreshToken: 'r1' }, err: { cause: { accessToken: 'a1' } }, headers: { cookie: 'c' } },
      'secrets',
    );

    const [line] = out.lines;
    expect(JSON.stringify(line)).not.toMatch(/p1|r1|a1|"c"/);
    expect(line).toMatchObject({ password: '[redacted]', body: { refreshToken: '[redacted]' } });
  });

  it('writes both loggers at the configured level only', () => {
    const out = captureLogLines();
    const { root, access } = createLoggers({ env: 'production', logLevel: 'warn' }, out.stream);

    root.info('dropped');
    access.info('dropped');
    access.error('kept');

    expect(out.lines.map((l) => l.msg)).toEqual(['kept']);
  });
});
