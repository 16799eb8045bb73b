/**
 * Which alert an expectation means: the same alertname and every label the expectation names
 * (e.g. `instance` of the killed apiserver) with the same value; other labels may differ.
 */
import type { ExpectedAlert } from './types.ts';

export function matchesExpected(
  alert: string,
  labels: Readonly<Record<string, string>>,
  expected: Pick<ExpectedAlert, 'alert' | 'labels'>,
): boolean {
  if (alert !== expected.alert) return false;
  return Object.entries(expected.labels ?? {}).every(([k, v]) => labels[k] === v);
}

/** An expectation as text: `APIServerDown{instance="198.18.0.11:6443"}`. */
export function expectedText(e: Pick<ExpectedAlert, 'alert' | 'labels'>): string {
  const l = Object.entries(e.labels ?? {});
  return l.length === 0 ? e.alert : `${e.alert}{${l.map(([k, v]) => `${k}="${v}"`).join(',')}}`;
}
