/**
 * Opening the ssh target from the drill's flags: load and validate the inventory and the files it
 * names (keys, known_hosts, kubeconfig; exit 2 when one is bad), then connect to every host once (exit 3 on an unreachable host, a refused host key or
 * failed authentication), so nothing is injected into a target the harness cannot heal; then
 * read each node's identity from its static-pod manifests.
 */
import { UserError } from '../util/errors.ts';
import { loadInventory } from './inventory.ts';
import { checkInventoryFiles } from './inventory-files.ts';
import { SshTarget } from './ssh.ts';

export interface SshOpenOptions {
  readonly inventory?: string;
  readonly insecureIgnoreHostKeys?: boolean;
  readonly log: (line: string) => void;
}

export async function openSshTarget(
  o: SshOpenOptions,
): Promise<{ target: SshTarget; close(): Promise<void> }> {
  if (!o.inventory) {
    throw new UserError(
      '--target ssh needs --inventory FILE (hosts, roles, ssh settings, kubeconfig; see docs/real-clusters.md)',
    );
  }
  const inv = loadInventory(o.inventory);
  checkInventoryFiles(inv, { insecureIgnoreHostKeys: o.insecureIgnoreHostKeys });
  const target = new SshTarget(inv, { insecureIgnoreHostKeys: o.insecureIgnoreHostKeys, log: o.log });
  try {
    await target.connectAll();
    await target.readIdentity();
  } catch (err) {
    await target.close();
    throw err;
  }
  o.log(`ssh: connected to ${inv.hosts.length} host(s) of ${inv.name} (profile ${target.profile.name})`);
  return { target, close: () => target.close() };
}
