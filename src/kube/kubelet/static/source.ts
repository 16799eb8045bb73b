/**
 * The file source: the static pods in staticPodPath, as kubernetes/kubernetes
 * pkg/kubelet/config/file.go and file_linux.go read them.
 *
 *  - A full list at start and every fileCheckFrequency (listConfig): every entry matching the glob
 *    `[^.]*` (dotfiles ignored; no extension filter: any regular file is tried as a manifest),
 *    sorted, not recursing into directories; a file that does not parse is logged and skipped.
 *    The list replaces the store (a pod whose file is gone is dropped at the rescan).
 *  - File events at once (fsnotify/inotify on the directory; here fs.watch): Create/Write/Chmod
 *    re-read the file and add or replace its pod; Remove/Rename drop the pod that file produced
 *    (fileKeyMapping). fs.watch reports only "rename" or "change", so a name that still exists is
 *    read and one that is gone is dropped: the same mapping. Events for dotfiles are ignored.
 *  - The store is keyed by `<ns>/<name>` (cache.MetaNamespaceKeyFunc): two files declaring the same
 *    pod name hold one pod, the last read wins. Every change hands the whole set to `onPods`
 *    (cache.NewUndeltaStore pushes the full list on each change).
 *  - A missing directory yields an empty set and the watch is retried every second (retryPeriod).
 */
import { type FSWatcher, watch } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../../runtime/log.ts';
import { CONFIG_SEEN, decodeManifest, MAX_MANIFEST_BYTES, type StaticPod } from './manifest.ts';

export interface FileSourceOptions {
  readonly dir: string;
  readonly nodeName: string;
  readonly periodMs: number;
  readonly log: Logger;
  /** Called with the full set after the first list and after every change. */
  readonly onPods: (pods: readonly StaticPod[]) => void;
  readonly now?: () => Date;
}

const WATCH_RETRY_MS = 1000;

export class FileSource {
  private readonly store = new Map<string, StaticPod>();
  private readonly fileKey = new Map<string, string>();
  private watcher: FSWatcher | undefined;
  private timers: NodeJS.Timeout[] = [];
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly o: FileSourceOptions) {}

  /** Lists the directory once (resolves after the first set was handed over), then keeps watching. */
  async start(): Promise<void> {
    await this.enqueue(() => this.list());
    this.startWatch();
    this.timers.push(setInterval(() => void this.enqueue(() => this.list()), this.o.periodMs));
  }

  stop(): void {
    this.stopped = true;
    this.watcher?.close();
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  /** Serializes list and event handling (upstream: one goroutine selects over the ticker and the events). */
  private enqueue(fn: () => Promise<void>): Promise<void> {
    this.chain = this.chain
      .then(fn, fn)
      .catch((e) => this.o.log('static pod source error', { error: String(e) }));
    return this.chain;
  }

  private emit(): void {
    if (!this.stopped) this.o.onPods([...this.store.values()]);
  }

  private async read(file: string): Promise<StaticPod> {
    const st = await stat(file);
    if (!st.isFile()) throw new Error(`${file}: not a regular file`);
    if (st.size > MAX_MANIFEST_BYTES) throw new Error(`${file}: larger than 10 MiB`);
    const p = decodeManifest(
      await readFile(file, 'utf8'),
      file,
      this.o.nodeName,
      this.o.now?.() ?? new Date(),
    );
    // kubernetes.io/config.seen: the first time this pod (this content) was seen
    const prevKey = this.fileKey.get(file);
    const old = prevKey === undefined ? undefined : this.store.get(prevKey);
    const seen = old?.uid === p.uid ? old.pod.metadata?.annotations?.[CONFIG_SEEN] : undefined;
    if (seen && p.pod.metadata?.annotations) p.pod.metadata.annotations[CONFIG_SEEN] = seen;
    return p;
  }

  private async list(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.o.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      names = [];
    }
    const next = new Map<string, StaticPod>();
    const keys = new Map<string, string>();
    for (const name of names.filter((n) => !n.startsWith('.')).sort()) {
      const file = path.join(this.o.dir, name);
      try {
        const st = await stat(file);
        if (st.isDirectory()) {
          this.o.log('not recursing into manifest path', { path: file });
          continue;
        }
        const p = await this.read(file);
        next.set(p.key, p);
        keys.set(file, p.key);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
          this.o.log('could not process manifest file', { path: file, error: (e as Error).message });
      }
    }
    this.store.clear();
    for (const [k, v] of next) this.store.set(k, v);
    this.fileKey.clear();
    for (const [k, v] of keys) this.fileKey.set(k, v);
    this.emit();
  }

  private async event(name: string): Promise<void> {
    const file = path.join(this.o.dir, name);
    let exists = true;
    try {
      const st = await stat(file);
      if (!st.isFile()) return;
    } catch {
      exists = false;
    }
    if (exists) {
      let p: StaticPod;
      try {
        p = await this.read(file);
      } catch (e) {
        this.o.log('could not process manifest file', { path: file, error: (e as Error).message });
        return;
      }
      const old = this.store.get(p.key);
      this.fileKey.set(file, p.key);
      this.store.set(p.key, p);
      if (old?.uid !== p.uid) this.emit();
      return;
    }
    const key = this.fileKey.get(file);
    if (key === undefined) return;
    this.fileKey.delete(file);
    if (this.store.delete(key)) this.emit();
  }

  private startWatch(): void {
    if (this.stopped) return;
    try {
      this.watcher = watch(this.o.dir, { persistent: false }, (_type, name) => {
        const n = name ? String(name) : '';
        // file_linux.go produceWatchEvent: ignore files starting with dots
        if (!n || n.startsWith('.')) return;
        void this.enqueue(() => this.event(n));
      });
      this.watcher.on('error', () => this.rewatch());
    } catch {
      this.rewatch();
    }
  }

  private rewatch(): void {
    this.watcher?.close();
    this.watcher = undefined;
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.timers = this.timers.filter((x) => x !== t);
      void this.enqueue(() => this.list()).then(() => this.startWatch());
    }, WATCH_RETRY_MS);
    this.timers.push(t);
  }
}
