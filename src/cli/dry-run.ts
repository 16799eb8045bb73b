/**
 * What `--dry-run` plans against: the target as it is, opened read-only. A lab that is not up is
 * planned from its config (nothing is brought up); Kubernetes access is only read, and only
 * where a scenario needs it to choose its aim (e.g. the etcd leader).
 */
import fs from 'node:fs';
import { labConfig, type PresetName } from '../lab/config.ts';
import { bridgeExists } from '../lab/network.ts';
import { savedConfig } from '../lab/saved.ts';
import { LabTarget } from '../lab/target.ts';
import { KubeAccess } from '../probes/kube.ts';
import type { ScenarioContext, ScenarioOptions } from '../runner/scenario.ts';
import type { Target } from '../targets/types.ts';
import { LiveAimError, UserError } from '../util/errors.ts';

export async function dryRunTarget(
  kind: string,
  preset: PresetName | undefined,
  inventory?: string,
  kind_?: { readonly cluster?: string; readonly create?: string },
): Promise<Target> {
  if (kind === 'lab') {
    // The running lab when there is one; else planned from its config, contacting nothing.
    const saved = savedConfig();
    if (saved && bridgeExists(saved)) return new LabTarget(saved);
    return new LabTarget(saved ?? labConfig({ preset }), { planOnly: true });
  }
  if (kind === 'ssh') {
    const { openSshTarget } = await import('../targets/ssh-open.ts');
    return (await openSshTarget({ inventory, log: () => {} })).target;
  }
  if (kind === 'kind') {
    const { openKindTarget } = await import('../targets/kind.ts');
    return openKindTarget({ cluster: kind_?.cluster, create: kind_?.create, dryRun: true });
  }
  throw new UserError(`--dry-run: unknown --target '${kind}': use lab, ssh or kind`);
}

export function dryRunContext(target: Target, options: ScenarioOptions): ScenarioContext {
  const kubeconfig = target.topology.kubeconfigPath;
  const planOnly = target.topology.planOnly;
  const kube =
    !planOnly && fs.existsSync(kubeconfig)
      ? new KubeAccess(kubeconfig, target.topology.kubeContext)
      : (new Proxy(
          {},
          {
            get() {
              throw new LiveAimError(
                planOnly
                  ? `--dry-run: this scenario reads its aim from the running cluster, and the target was ${planOnly}: name the aim with its flag (see --help)`
                  : `--dry-run: this scenario needs the cluster to choose its aim, and ${kubeconfig} does not exist`,
              );
            },
          },
        ) as KubeAccess);
  return {
    target,
    kube,
    timings: {},
    options,
    runId: 'dry-run',
    sink: {
      source: 'dry-run',
      record: () => ({}) as never,
      error: () => ({}) as never,
      note: () => ({}) as never,
    },
  };
}
