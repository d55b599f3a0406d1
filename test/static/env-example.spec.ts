import { parse } from 'dotenv';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { envSchema, parseEnv } from '@/config/env.schema';

const text = readFileSync(resolve(__dirname, '..', '..', '.env.example'), 'utf8');

describe('.env.example', () => {
  it('lists every variable the service reads, and nothing else', () => {
    const listed = [...text.matchAll(/^(?:# )?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]);
    const declared = Object.keys(envSchema.shape);
    expect([...new Set(listed)].sort()).toEqual([...declared].sort());
  });

  it('states each default exactly as the service applies it', () => {
    const active = parse(text);
    const defaults = parseEnv({});
    expect(parseEnv(active)).toEqual(defaults);
  });

  it('explains every variable with a comment line above it or its group', () => {
    const lines = text.split('\n');
    const isVariable = (line: string) => /^(# )?[A-Z][A-Z0-9_]+=/.test(line);
    lines.forEach((line, i) => {
      if (!isVariable(line)) return;
      let above = i - 1;
      while (above >= 0 && isVariable(lines[above])) above -= 1;
      expect(lines[above]).toMatch(/^# \S/);
    });
  });
});
