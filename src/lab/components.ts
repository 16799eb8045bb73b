/**
 * What runs where in the lab, in start order (layers start in order, members of a layer in
 * parallel). Part 1: etcd on the control planes, haproxy + keepalived on the LBs.
 */
import path from 'node:path';
import type { LabConfig } from './config.ts';
import { hostsByRole } from './config.ts';
import { etcdSpec } from './etcd.ts';
import { haproxySpec } from './haproxy.ts';
import { keepalivedSpec } from './keepalived.ts';
import type { ComponentSpec } from './supervisor.ts';

export interface Layer {
  readonly name: string;
  readonly specs: readonly ComponentSpec[];
}

export function labLayers(cfg: LabConfig): Layer[] {
  const cps = hostsByRole(cfg, 'control-plane');
  const lbs = hostsByRole(cfg, 'lb');
  return [
    { name: 'etcd', specs: cps.map((h) => etcdSpec(cfg, h)) },
    { name: 'haproxy', specs: lbs.map((h) => haproxySpec(cfg, h)) },
    {
      name: 'keepalived',
      specs: lbs.map((h) => keepalivedSpec(cfg, h, path.join(cfg.stateDir, h.name, 'haproxy.pid'))),
    },
  ];
}
