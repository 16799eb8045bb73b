/**
 * The heal journal: before a fault is injected, what it is about to do and the exact commands
 * that undo it are written to disk (and fsynced); after a verified heal the entry is marked done.
 * A harness killed mid-drill leaves a pending entry that `npm run drill -- recover` replays, and
 * every drill refuses to inject while one is pending. Heals replay through the host executor only.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { PlanStep } from '../faults/types.ts';
import { PROJECT_ROOT } from '../util/paths.ts';

/** How to reopen the target the fault was injected into. */
export type TargetRef =
  | { readonly kind: 'lab'; readonly stateDir: string }
  | { readonly kind: 'ssh'; readonly inventory: string; readonly insecureHostKeys?: boolean }
  | { readonly kind: 'kind'; readonly cluster: string };

export interface JournalEntry {
  readonly id: string;
  readonly state: 'pending' | 'done';
  readonly createdAt: string;
  readonly scenario: string;
  readonly target: TargetRef;
  readonly fault: string;
  readonly summary: string;
  /** The undo, in order; each step is idempotent. */
  readonly heal: readonly PlanStep[];
  readonly healedAt?: string;
  /** target-gone: recover found the whole target gone with the fault (a lab taken down). */
  readonly healedBy?: HealedBy;
}

/** Who closed an entry: the drill after its verified heal, recover's replay, or recover finding the target gone. */
export type HealedBy = 'runner' | 'recover' | 'target-gone';

/**
 * The cluster lock a drill took (src/safety/cluster-lock.ts), journaled when taken and marked
 * done when released: `recover` releases a lock a killed drill left, by its token. Not a fault:
 * `entries()` and `pending()` leave lock entries out.
 */
export interface LockEntry {
  readonly id: string;
  readonly state: 'pending' | 'done';
  readonly createdAt: string;
  readonly target: TargetRef;
  readonly lock: {
    readonly token: string;
    readonly path: string;
    readonly hosts: readonly string[];
    readonly holder: string;
    readonly expiresAt?: string;
  };
  readonly releasedAt?: string;
}

export const defaultJournalPath = (): string =>
  process.env.HADRILL_JOURNAL ?? path.join(PROJECT_ROOT, '.ha-drill', 'heal-journal.jsonl');

/**
 * Appends one line and fsyncs the file (and, on creation, its directory). The journal keeps the
 * heal commands verbatim (they must stay replayable, secrets an inventory put in them included),
 * so it is readable by its owner alone: directory 0700, file 0600.
 */
function appendDurable(file: string, line: string): void {
  const dir = path.dirname(file);
  const created = !fs.existsSync(file);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const fd = fs.openSync(file, 'a', 0o600);
  if (!created) fs.fchmodSync(fd, 0o600);
  try {
    fs.writeSync(fd, `${line}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  if (created) {
    const dfd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(dfd);
    } finally {
      fs.closeSync(dfd);
    }
  }
}

export class HealJournal {
  constructor(readonly file: string = defaultJournalPath()) {}

  /** Every record's latest state (faults and locks), in creation order. A torn last line (crash mid-write) is ignored. */
  private records(): (JournalEntry | LockEntry)[] {
    if (!fs.existsSync(this.file)) return [];
    const byId = new Map<string, JournalEntry | LockEntry>();
    for (const line of fs.readFileSync(this.file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        const e = JSON.parse(line) as JournalEntry;
        if (e && typeof e.id === 'string') byId.set(e.id, { ...byId.get(e.id), ...e });
      } catch {
        // an incomplete line from a crash mid-append: the entry before it is still valid
      }
    }
    return [...byId.values()];
  }

  /** Every fault entry's latest state, in creation order. */
  entries(): JournalEntry[] {
    return this.records().filter((e): e is JournalEntry => !('lock' in e));
  }

  /** Cluster locks taken and not released (a killed drill's). */
  heldLocks(): LockEntry[] {
    return this.records().filter((e): e is LockEntry => 'lock' in e && e.state === 'pending');
  }

  /** Records a cluster lock taken (durably, before the first fault). */
  lockTaken(e: Omit<LockEntry, 'state' | 'createdAt'>): LockEntry {
    const entry: LockEntry = { ...e, state: 'pending', createdAt: new Date().toISOString() };
    appendDurable(this.file, JSON.stringify(entry));
    return entry;
  }

  /** Marks a cluster lock released. */
  lockReleased(id: string): void {
    appendDurable(this.file, JSON.stringify({ id, state: 'done', releasedAt: new Date().toISOString() }));
  }

  pending(): JournalEntry[] {
    return this.entries().filter((e) => e.state === 'pending');
  }

  /** Records the fault about to be injected (durably, before the injection). */
  begin(e: Omit<JournalEntry, 'state' | 'createdAt'>): JournalEntry {
    const entry: JournalEntry = { ...e, state: 'pending', createdAt: new Date().toISOString() };
    appendDurable(this.file, JSON.stringify(entry));
    return entry;
  }

  /** Marks an entry healed (after the heal was verified). */
  done(id: string, by: HealedBy): void {
    appendDurable(
      this.file,
      JSON.stringify({ id, state: 'done', healedAt: new Date().toISOString(), healedBy: by }),
    );
  }

  /** Drops done entries (keeps the file short); pending ones and held locks are never dropped. */
  compact(): void {
    const pending = [...this.pending(), ...this.heldLocks()];
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, pending.map((e) => `${JSON.stringify(e)}\n`).join(''), { mode: 0o600 });
    const fd = fs.openSync(tmp, 'r+');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(tmp, this.file);
  }
}
