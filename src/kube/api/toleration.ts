/**
 * Toleration matching shared by the scheduler and taint-based eviction, as upstream's
 * `Toleration.ToleratesTaint` (kubernetes/kubernetes staging/src/k8s.io/api/core/v1/toleration.go):
 * an empty effect or key matches any; operator Exists matches any value, Equal (or empty, the
 * default) the same value; Lt / Gt compare the values as base-10 int64 (taint value < / > toleration
 * value; either one not a number: no match; the API server accepts them only with the
 * TaintTolerationComparisonOperators feature gate); any other operator matches nothing.
 */
import type { V1Taint, V1Toleration } from '@kubernetes/client-node';

/** strconv.ParseInt(s, 10, 64): optional sign, decimal digits, within int64. */
function parseInt64(s: string): bigint | undefined {
  if (!/^[+-]?\d+$/.test(s)) return undefined;
  const v = BigInt(s);
  return v >= -(2n ** 63n) && v < 2n ** 63n ? v : undefined;
}

export function toleratesTaint(tol: V1Toleration, taint: V1Taint): boolean {
  if (tol.effect && tol.effect !== taint.effect) return false;
  if (tol.key && tol.key !== taint.key) return false;
  switch (tol.operator ?? '') {
    case '':
    case 'Equal':
      return (tol.value ?? '') === (taint.value ?? '');
    case 'Exists':
      return true;
    case 'Lt':
    case 'Gt': {
      const want = parseInt64(tol.value ?? '');
      const have = parseInt64(taint.value ?? '');
      if (want === undefined || have === undefined) return false;
      return tol.operator === 'Lt' ? have < want : have > want;
    }
    default:
      return false;
  }
}
