import { SMTPServer, SMTPServerSession } from 'smtp-server';
import { freePort } from '@tools/free-port';
import { waitFor } from '@tools/wait-for';

/** A message the server accepted (answered 250 to its DATA). */
export interface ReceivedMail {
  from: string;
  to: string[];
  /** The user it authenticated as, when AUTH was required. */
  user?: string;
  /** The message as sent: headers and MIME body. */
  raw: string;
}

/**
 * What the server does wrong, from the next connection on:
 * - `drop`: reads the whole message, then closes the connection instead of answering DATA;
 * - `stall`: accepts the TCP connection and never sends the greeting;
 * - `reject`: answers `code` (4xx or 5xx) to RCPT TO or to the end of DATA.
 */
export type SmtpFault = { kind: 'drop' } | { kind: 'stall' } | { kind: 'reject'; at: 'rcpt' | 'data'; code: number };

/** The server holding every message at the end of DATA: it neither accepts nor refuses it yet. */
export interface SmtpHold {
  /** Resolves once a message is being held. */
  reached: Promise<void>;
  /** Answers the held messages (250, kept in `messages`) and stops holding. */
  release(): void;
}

export interface TestSmtpServer {
  port: number;
  /** `smtp://[user:pass@]127.0.0.1:port`. */
  url: string;
  /** Every message accepted so far, in order. */
  messages: ReceivedMail[];
  /** Connections opened so far, accepted or not. */
  connections(): number;
  /** Misbehave from now on; `undefined` to behave again. */
  fault: SmtpFault | undefined;
  /** From now on, hold each message at the end of DATA until `release()`. */
  hold(): SmtpHold;
  /** Stops listening (clients then get "connection refused") and cuts open sessions. */
  stop(): Promise<void>;
  /** Listens again on the same port, with the same messages and settings; a no-op while listening. */
  start(): Promise<void>;
}

export interface SmtpServerOptions {
  /** Require AUTH (PLAIN/LOGIN) with these credentials; the url then carries them. */
  auth?: { user: string; pass: string };
}

/**
 * A real SMTP server (nodemailer's `smtp-server`) on a free loopback port, without TLS, that
 * keeps what it accepted and can be told to fail in the ways a mail relay does.
 */
export async function startSmtpServer(options: SmtpServerOptions = {}): Promise<TestSmtpServer> {
  const port = await freePort();
  const messages: ReceivedMail[] = [];
  let opened = 0;
  let server: SMTPServer | undefined;
  let holding: { arrived: () => void; released: Promise<void> } | undefined;

  const handle: TestSmtpServer = {
    port,
    url: `smtp://${options.auth ? `${options.auth.user}:${options.auth.pass}@` : ''}127.0.0.1:${port}`,
    messages,
    connections: () => opened,
    fault: undefined,
    hold: () => {
      let arrived!: () => void;
      let release!: () => void;
      const reached = new Promise<void>((done) => (arrived = done));
      const released = new Promise<void>((done) => (release = done));
      holding = { arrived, released };
      return {
        reached,
        release: () => {
          holding = undefined;
          release();
        },
      };
    },
    stop: async () => {
      const running = server;
      server = undefined;
      if (!running) return;
      const closed = new Promise<void>((done) => running.close(() => done()));
      for (const connection of running.connections) connection._socket.destroy();
      await closed;
    },
    start: async () => {
      if (server) return;
      const next = create();
      next.listen(port, '127.0.0.1');
      await new Promise<void>((listening, failed) => {
        next.server.once('listening', listening);
        next.server.once('error', failed);
      });
      server = next;
    },
  };

  const replyError = (code: number) =>
    Object.assign(new Error(`${code} refused by the test server`), { responseCode: code });
  const faultAt = (at: 'rcpt' | 'data') =>
    handle.fault?.kind === 'reject' && handle.fault.at === at ? handle.fault.code : undefined;

  const create = () => {
    const smtp = new SMTPServer({
      secure: false,
      disabledCommands: options.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
      authOptional: !options.auth,
      allowInsecureAuth: true,
      logger: false,
      closeTimeout: 100,
      onConnect(_session, callback) {
        opened += 1;
        // Never answering leaves the client waiting for a greeting that does not come.
        if (handle.fault?.kind !== 'stall') callback();
      },
      onAuth(auth, _session, callback) {
        const ok = auth.username === options.auth?.user && auth.password === options.auth?.pass;
        if (!ok) return callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
        callback(null, { user: auth.username });
      },
      onRcptTo(_address, _session, callback) {
        const code = faultAt('rcpt');
        callback(code ? replyError(code) : undefined);
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          if (handle.fault?.kind === 'drop') return dropConnection(session);
          const code = faultAt('data');
          if (code) return callback(replyError(code));
          if (holding) {
            const { arrived, released } = holding;
            arrived();
            return void released.then(() => accept());
          }
          accept();
        });
        const accept = () => {
          messages.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            user: session.user as string | undefined,
            raw: Buffer.concat(chunks).toString('utf8'),
          });
          callback();
        };
      },
    });
    // A client killed mid-session resets its connection; smtp-server reports that as an
    // 'error' event, which would otherwise throw. A real relay logs it and carries on.
    smtp.on('error', () => undefined);
    return smtp;
  };

  const dropConnection = (session: SMTPServerSession) => {
    for (const connection of server?.connections ?? []) {
      if (connection.id === session.id) connection._socket.destroy();
    }
  };

  await handle.start();
  return handle;
}

/** The first value of a header of a raw message (unfolded). */
export function headerOf(raw: string, name: string): string | undefined {
  const head = raw.split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, ' ');
  const line = head.split(/\r?\n/).find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(name.length + 1).trim();
}

/**
 * The decoded body of the first part of a raw message whose Content-Type is `type`
 * (`text/plain`, `text/html`): enough MIME (multipart, quoted-printable, base64) to read
 * what nodemailer sends, without a parser dependency.
 */
export function bodyOf(raw: string, type: string): string | undefined {
  for (const part of raw.split(/\r?\n--[^\r\n]+\r?\n/)) {
    const [head, ...rest] = part.split(/\r?\n\r?\n/);
    const body = rest.join('\r\n\r\n');
    const contentType = headerOf(`${head}\r\n\r\n`, 'Content-Type') ?? '';
    if (!contentType.toLowerCase().startsWith(type)) continue;
    const encoding = (headerOf(`${head}\r\n\r\n`, 'Content-Transfer-Encoding') ?? '7bit').toLowerCase();
    const content = body.replace(/\r?\n--[^\r\n]+--\s*$/, '').replace(/\r\n/g, '\n');
    if (encoding === 'base64') return Buffer.from(content.replace(/\s+/g, ''), 'base64').toString('utf8');
    if (encoding === 'quoted-printable') return decodeQuotedPrintable(content);
    return content;
  }
  return undefined;
}

function decodeQuotedPrintable(text: string): string {
  const soft = text.replace(/=\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < soft.length; i += 1) {
    const hex = soft.slice(i + 1, i + 3);
    if (soft[i] === '=' && /^[0-9A-F]{2}$/i.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(soft[i], 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The token of the first `<appUrl>/<page>?token=…` link in a mail's text body, or undefined. */
export function tokenIn(mail: ReceivedMail, appUrl: string, page: string): string | undefined {
  const escaped = `${appUrl}/${page}`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`${escaped}\\?token=([A-Za-z0-9_-]+)`).exec(bodyOf(mail.raw, 'text/plain') ?? '')?.[1];
}

/**
 * Waits for the token of the `count`-th `<appUrl>/<page>?token=…` link mailed to `to`
 * (1 for the first), as a user would find it in their inbox.
 */
export function linkMailed(
  smtp: Pick<TestSmtpServer, 'messages'>,
  {
    to,
    appUrl,
    page,
    count = 1,
    timeoutMs,
  }: { to: string; appUrl: string; page: string; count?: number; timeoutMs?: number },
): Promise<string> {
  return waitFor(
    () =>
      smtp.messages
        .filter((mail) => mail.to.includes(to))
        .map((mail) => tokenIn(mail, appUrl, page))
        .filter((token) => token !== undefined)[count - 1],
    { timeoutMs, what: `${page} link ${count} mailed to ${to}` },
  );
}
