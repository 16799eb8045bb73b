/** Test helper: a free TCP port on a loopback address (no etcd, no lab: usable by unit tests). */
import { createServer } from 'node:net';

/** A free TCP port on 127.0.0.1 (or `host`). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const addr = s.address();
      s.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}
