/**
 * Toleration matching shared by the scheduler and taint-based eviction, as upstream's
 * `Toleration.ToleratesTaint` (k8s.io/api/core/v1/toleration.go): an empty effect or key matches
 * any; operator Exists matches any value, Equal (or empty, the default) the same value; any other
 * operator matches nothing.
 */
import type { V1Taint, V1Toleration } from '@kubernetes/client-node';

export function toleratesTaint(tol: V1Toleration, taint: V1Taint): boolean {
  if (tol.effect && tol.effect !== taint.effect) return false;
  if (tol.key && tol.key !== taint.key) return false;
  switch (tol.operator ?? '') {
    case '':
    case 'Equal':
      return (tol.value ?? '') === (taint.value ?? '');
    case 'Exists':
      return true;
    default:
      return false;
  }
}
