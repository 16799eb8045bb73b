/**
 * Label selectors (`=`, `==`, `!=`, `in`, `notin`, `key`, `!key`) and field selectors
 * (`a=b`, `a==b`, `a!=b` on dotted paths such as metadata.name, spec.nodeName), parsed once per
 * request into a predicate over objects.
 */
import { badRequest } from './status.ts';
import type { KObject } from './types.ts';

export type Predicate = (obj: KObject) => boolean;

const KEY = /^([a-z0-9A-Z]([-a-z0-9A-Z_./]*[a-z0-9A-Z])?)$/;

/** Splits on commas that are not inside parentheses. */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((x) => x.trim()).filter((x) => x.length > 0);
}

function checkKey(k: string, sel: string): string {
  if (!KEY.test(k))
    throw badRequest(`unable to parse requirement: invalid label key "${k}" in selector "${sel}"`);
  return k;
}

export function parseLabelSelector(sel: string | null | undefined): Predicate {
  if (!sel) return () => true;
  const reqs: Predicate[] = [];
  for (const part of splitTop(sel)) {
    let m = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(part);
    if (m) {
      const key = checkKey(m[1]!, sel);
      const values = new Set(
        m[3]!
          .split(',')
          .map((v) => v.trim())
          .filter((v) => v.length > 0),
      );
      const neg = m[2] === 'notin';
      reqs.push((o) => {
        const v = o.metadata?.labels?.[key];
        return neg ? v === undefined || !values.has(v) : v !== undefined && values.has(v);
      });
      continue;
    }
    m = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(part);
    if (m) {
      const key = checkKey(m[1]!, sel);
      const value = m[3]!;
      const neg = m[2] === '!=';
      reqs.push((o) => {
        const v = o.metadata?.labels?.[key];
        return neg ? v !== value : v === value;
      });
      continue;
    }
    m = /^(!?)\s*(\S+)$/.exec(part);
    if (m) {
      const key = checkKey(m[2]!, sel);
      const neg = m[1] === '!';
      reqs.push((o) => (o.metadata?.labels?.[key] !== undefined) !== neg);
      continue;
    }
    throw badRequest(`unable to parse requirement: "${part}" in label selector "${sel}"`);
  }
  return (o) => reqs.every((r) => r(o));
}

/** Reads a dotted field path; missing values read as the empty string, as upstream field sets do. */
export function fieldValue(obj: KObject, path: string): string {
  let cur: unknown = obj;
  for (const seg of path.split('.')) {
    if (typeof cur !== 'object' || cur === null) return '';
    cur = (cur as KObject)[seg];
  }
  if (cur === undefined || cur === null) return '';
  return typeof cur === 'string' ? cur : String(cur);
}

export function parseFieldSelector(sel: string | null | undefined): Predicate {
  if (!sel) return () => true;
  const reqs: Predicate[] = [];
  for (const part of splitTop(sel)) {
    const m = /^([A-Za-z0-9_.]+)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (!m)
      throw badRequest(`invalid field selector "${sel}": expected field=value, field==value or field!=value`);
    const [, field, op, value] = m as unknown as [string, string, string, string];
    reqs.push((o) => (fieldValue(o, field) === value) !== (op === '!='));
  }
  return (o) => reqs.every((r) => r(o));
}

/** Exact `metadata.name=<x>` in a field selector, used to narrow an etcd read to one key. */
export function selectedName(sel: string | null | undefined): string | undefined {
  if (!sel) return undefined;
  for (const part of splitTop(sel)) {
    const m = /^metadata\.name\s*==?\s*(.+)$/.exec(part);
    if (m) return m[1]!.trim();
  }
  return undefined;
}
