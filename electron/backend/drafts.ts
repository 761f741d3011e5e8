// Keeps the layout a user is drawing, per machine, so a reload, a restart or a crash does not
// lose it: one JSON file per machine under the user's XDG state directory, written atomically
// (temp file, fsync, rename) with mode 0600 in a 0700 directory. Password hashes are never
// written (withoutSecrets); the file name is a hash of what identifies the machine, never the
// browser-mode token, so a draft outlives the session that made it.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import * as v from 'valibot';
import type { CallResponse } from '../../shared/api/contract';
import { parseRequest } from '../../shared/api/contract';
import type { Inventory } from '../../shared/model/inventory';
import type { Layout } from '../../shared/model/layout';
import { DraftLayoutSchema, withoutSecrets } from '../../shared/model/layout-draft';
import { formatSshUrl } from '../host/ssh-host';
import type { BackendSource } from './backend';
import { defaultStateDir } from '../log/app-log';

const DRAFT_FORMAT = 'cohabit-draft/1';
const DraftFileSchema = v.strictObject({
  format: v.literal(DRAFT_FORMAT),
  savedAt: v.string(),
  layout: DraftLayoutSchema,
});

/** `$XDG_STATE_HOME/cohabit/drafts`, or `~/.local/state/cohabit/drafts` as the spec's default. */
export function defaultDraftsDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(defaultStateDir(env), 'drafts');
}

/**
 * Which machine a draft belongs to: how it is reached (this machine, the demo, a snapshot file, an
 * ssh address), its hostname and hostid, and its pools' GUIDs, so a reinstalled machine or a
 * recreated pool starts clean. Hashed, so the file name shows nothing about the machine.
 */
export function machineKey(source: BackendSource, inventory: Inventory): string {
  const where =
    source.kind === 'ssh'
      ? formatSshUrl(source.target)
      : source.kind === 'snapshot'
        ? resolve(source.path)
        : '';
  const identity = [
    source.kind,
    where,
    inventory.os.hostname ?? '',
    inventory.os.hostId ?? '',
    ...inventory.zfs.pools.map((p) => p.guid).sort(),
  ];
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 32);
}

export interface DraftStore {
  load(key: string): Promise<{ layout: Layout; savedAt: string } | null>;
  save(key: string, layout: Layout, now?: Date): Promise<string>;
  discard(key: string): Promise<void>;
}

export function createDraftStore(dir: string = defaultDraftsDir()): DraftStore {
  const fileOf = (key: string) => {
    if (!/^[0-9a-f]{32}$/.test(key)) throw new Error(`not a machine key: ${key}`);
    return join(dir, `${key}.json`);
  };
  return {
    async load(key) {
      let text: string;
      try {
        text = await readFile(fileOf(key), 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw e;
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        return null; // a torn or foreign file is no draft; the next save replaces it
      }
      const parsed = v.safeParse(DraftFileSchema, json);
      if (!parsed.success) return null;
      return { layout: withoutSecrets(parsed.output.layout), savedAt: parsed.output.savedAt };
    },
    async save(key, layout, now = new Date()) {
      const target = fileOf(key);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const savedAt = now.toISOString();
      const body = `${JSON.stringify({ format: DRAFT_FORMAT, savedAt, layout: withoutSecrets(layout) })}\n`;
      // A fresh temp name per write: two saves racing must not write into one file.
      const temp = join(dir, `.${key}.${randomBytes(6).toString('hex')}.tmp`);
      const handle = await open(temp, 'wx', 0o600);
      try {
        await handle.writeFile(body, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      try {
        await rename(temp, target);
      } catch (e) {
        await rm(temp, { force: true });
        throw e;
      }
      return savedAt;
    },
    async discard(key) {
      await rm(fileOf(key), { force: true });
    },
  };
}

type DraftChannels = 'draft:load' | 'draft:save';

/** The two draft channels, for the machine `key` names (the machine shown, read when called). */
export function draftHandlers(
  store: DraftStore,
  key: () => Promise<string>,
): { [C in DraftChannels]: (request: unknown) => Promise<CallResponse<C>> } {
  return {
    'draft:load': async (request) => {
      parseRequest('draft:load', request);
      return { draft: await store.load(await key()) };
    },
    'draft:save': async (request) => {
      const { layout } = parseRequest('draft:save', request);
      const k = await key();
      if (layout === null) {
        await store.discard(k);
        return { savedAt: null };
      }
      return { savedAt: await store.save(k, layout) };
    },
  };
}
