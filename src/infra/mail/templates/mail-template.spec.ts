import { escapeHtml, html, SafeHtml, subject, text } from './mail-template';
import { lifetimeText, maskAddress } from './account';
import { welcome } from './welcome';

describe('escapeHtml', () => {
  it('turns markup, quotes and ampersands into text', () => {
    expect(escapeHtml(`<script>alert("x")</script>`)).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(escapeHtml(`it's \`a\` & b`)).toBe('it&#39;s &#96;a&#96; &amp; b');
  });

  it('escapes an ampersand once, so an entity a user typed shows as typed', () => {
    expect(escapeHtml('&lt;')).toBe('&amp;lt;');
  });
});

describe('html', () => {
  it('escapes every interpolated value, in content and in attributes', () => {
    const name = '<img src=x onerror=alert(1)>';
    const href = '" onclick="steal()';
    // prettier-ignore
    const sut = html`<p>${name}</p><a href="${href}">go</a>`;

    expect(sut).toBeInstanceOf(SafeHtml);
    expect(sut.value).toBe('<p>&lt;img src=x onerror=alert(1)&gt;</p><a href="&quot; onclick=&quot;steal()">go</a>');
  });

  it('keeps nested html results as markup and escapes the values inside them once', () => {
    const inner = html`<b>${'Tom & Jerry'}</b>`;
    expect(html`<p>${inner}</p>`.value).toBe('<p><b>Tom &amp; Jerry</b></p>');
    // prettier-ignore
    const list = html`<ul>${['<a>', html`<li>x</li>`]}</ul>`;
    expect(list.value).toBe('<ul>&lt;a&gt;<li>x</li></ul>');
  });
});

describe('text and subject', () => {
  it('writes text values as they are and drops the template indentation', () => {
    const sut = text`
      Hello ${'<Tom & "Jerry">'},

      bye
    `;
    expect(sut).toBe('Hello <Tom & "Jerry">,\n\nbye');
  });

  it('keeps a subject on one line, whatever a value carries', () => {
    expect(subject`Hi ${'Eve\r\nBcc: victim@example.com'}`).toBe('Hi Eve Bcc: victim@example.com');
  });
});

describe('welcome', () => {
  it('greets by name with a link to the app, the name escaped in the HTML only', () => {
    const sut = welcome({ name: `<script>alert('x')</script> & "co"`, appUrl: 'https://app.example.com' });

    expect(sut.subject).toBe(`Welcome, <script>alert('x')</script> & "co"`);
    expect(sut.text).toBe(
      `Hello <script>alert('x')</script> & "co",\n\nyour account is ready. Sign in at https://app.example.com.`,
    );
    expect(sut.html).toContain('<p>Hello &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;co&quot;,</p>');
    expect(sut.html).toContain('<a href="https://app.example.com">Sign in</a>');
    expect(sut.html).not.toContain('<script>');
  });
});

describe('account mail helpers', () => {
  it('states a lifetime in the largest exact unit', () => {
    expect([86_400_000, 172_800_000, 3_600_000, 1_800_000, 60_000, 90_000].map(lifetimeText)).toEqual([
      '1 day',
      '2 days',
      '1 hour',
      '30 minutes',
      '1 minute',
      '2 minutes',
    ]);
  });

  it('masks an address down to its first letter and its domain', () => {
    expect(maskAddress('grace@example.com')).toBe('g***@example.com');
    expect(maskAddress('not-an-address')).toBe('***');
  });

  it('puts the verification link in both bodies of the welcome mail, escaped in the HTML', () => {
    const link = 'https://app.example.com/verify-email?token=abc_DEF-123';
    const sut = welcome({ name: 'Ada', appUrl: 'https://app.example.com', verify: { link, validFor: '1 day' } });
    expect(sut.text).toContain(`(it works for 1 day, once):\n${link}`);
    expect(sut.html).toContain(`<a href="${link}">Confirm your email address</a>`);
  });
});
