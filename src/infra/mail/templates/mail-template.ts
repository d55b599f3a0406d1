/**
 * The pieces every mail template is built from. A template is a plain function of its
 * variables returning a {@link RenderedMail}; its HTML is written with the {@link html}
 * tag, which escapes every interpolated value, so a user's name or any other input can
 * never add markup, attributes or scripts to a mail.
 */

/** Subject and both bodies of one mail, ready to send. */
export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** HTML that is already safe: the result of {@link html}, interpolated as-is into another. */
export class SafeHtml {
  constructor(readonly value: string) {}

  toString(): string {
    return this.value;
  }
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Text as HTML that shows it literally, in an element's content and in a quoted attribute alike. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (c) => HTML_ESCAPES[c]);
}

type Value = string | number | SafeHtml | ReadonlyArray<string | number | SafeHtml>;

const asHtml = (value: Value): string => {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(asHtml).join('');
  return escapeHtml(String(value));
};

/**
 * HTML with every `${value}` escaped, except values that are themselves `html` results
 * (a layout wrapping a body). Nothing else opts out: there is no "raw" helper on purpose.
 */
export function html(strings: TemplateStringsArray, ...values: Value[]): SafeHtml {
  return new SafeHtml(strings.reduce((out, part, i) => out + asHtml(values[i - 1]) + part));
}

/**
 * A plain-text body: values as they are (text needs no escaping), with the template's
 * leading indentation and surrounding blank lines removed, so templates can be indented.
 */
export function text(strings: TemplateStringsArray, ...values: Array<string | number>): string {
  const joined = strings.reduce((out, part, i) => out + String(values[i - 1]) + part);
  return joined
    .split('\n')
    .map((line) => line.replace(/^[ \t]+/, ''))
    .join('\n')
    .trim();
}

/** A subject is one header line: any line break a value carries becomes a space. */
export function subject(strings: TemplateStringsArray, ...values: Array<string | number>): string {
  return strings
    .reduce((out, part, i) => out + String(values[i - 1]) + part)
    .replace(/\s+/g, ' ')
    .trim();
}

/** The frame every HTML mail shares. */
export function layout(title: string, body: SafeHtml): string {
  return html`<!doctype html>
    <html>
      <head>
        <meta charset="utf-8" />
        <title>${title}</title>
      </head>
      <body style="font-family: sans-serif; line-height: 1.5">
        ${body}
      </body>
    </html>`.value;
}
