import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';

/** The alert rules and the dashboard in monitoring/, parsed, and the metric names their PromQL reads. */

const ROOT = resolve(__dirname, '..', '..');
export const readArtefact = (path: string) => readFileSync(resolve(ROOT, path), 'utf8');
export const yamlArtefact = <T>(path: string) => parse(readArtefact(path)) as T;

export interface Rule {
  alert: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
export interface Panel {
  title: string;
  type: string;
  datasource?: { uid: string };
  targets?: { expr: string }[];
}

export const rules = yamlArtefact<{ groups: { rules: Rule[] }[] }>('monitoring/alerts.yml').groups.flatMap(
  (g) => g.rules,
);
const dashboard = JSON.parse(readArtefact('monitoring/grafana/dashboards/api.json')) as {
  uid: string;
  panels: Panel[];
};
export const panels = dashboard.panels.filter((p) => p.type !== 'row');

/** PromQL words that are not metric names. */
const PROMQL_WORDS = new Set(
  (
    'sum avg min max count rate irate increase deriv histogram_quantile absent by without on ignoring ' +
    'group_left group_right and or unless bool offset label_values humanize humanizeDuration humanizePercentage'
  ).split(' '),
);

/** The metric names a PromQL expression reads: what remains after strings, matchers, groupings and ranges go. */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\$\w+/g, ' ');
  return [...stripped.matchAll(/[a-zA-Z_:][\w:]*/g)].map((m) => m[0]).filter((word) => !PROMQL_WORDS.has(word));
}
