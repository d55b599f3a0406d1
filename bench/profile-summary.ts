import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  /** Share of the busy (non-idle) samples, in percent. */
  percent: number;
}

export interface ProfileSummary {
  /** Share of the profiled wall time the main thread was busy, in percent. */
  busyPercent: number;
  topFunctions: SelfTime[];
  byPackage: SelfTime[];
}

/** `node_modules/@scope/pkg/...` → `@scope/pkg`; the service's own build → `service`; `node:` internals → `node core`. */
function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : 'native';
  const inModules = /node_modules\/(?!\.cache\/)((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (inModules) return inModules[1];
  if (url.includes('/node_modules/.cache/bench/app/')) return 'service';
  if (url.startsWith('node:')) return 'node core';
  return 'other';
}

function shortLocation(url: string, line: number): string {
  if (!url) return '';
  const trimmed = url
    .replace(/^file:\/\//, '')
    .replace(/^.*node_modules\/\.cache\/bench\/app\//, 'src/')
    .replace(/^.*node_modules\//, '');
  return `${trimmed}:${line + 1}`;
}

const top = (totals: Map<string, number>, busy: number, count: number): SelfTime[] =>
  [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, micros]) => ({ name, percent: (100 * micros) / busy }));

/** Self time of a V8 `.cpuprofile`, by function and by package, idle time excluded. */
export function summariseProfile(file: string, count = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  // Stopping the profiler serialises the profile inside the profiled window: not the service's time.
  const excluded = new Set<number>();
  const exclude = (node: ProfileNode) => {
    excluded.add(node.id);
    for (const child of node.children ?? []) exclude(byId.get(child)!);
  };
  for (const node of profile.nodes) if (node.callFrame.url.endsWith('cpu-profile-hook.js')) exclude(node);
  const functions = new Map<string, number>();
  const packages = new Map<string, number>();
  let busy = 0;
  let total = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    total += delta;
    const frame = byId.get(id)?.callFrame;
    if (!frame || frame.functionName === '(idle)' || excluded.has(id)) return;
    busy += delta;
    const fn = `${frame.functionName || '(anonymous)'} ${shortLocation(frame.url, frame.lineNumber)}`.trim();
    functions.set(fn, (functions.get(fn) ?? 0) + delta);
    const pkg = packageOf(frame.url, frame.functionName);
    packages.set(pkg, (packages.get(pkg) ?? 0) + delta);
  });
  return {
    busyPercent: total > 0 ? (100 * busy) / total : 0,
    topFunctions: top(functions, busy, count),
    byPackage: top(packages, busy, count),
  };
}
