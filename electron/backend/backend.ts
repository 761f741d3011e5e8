// The backend behind the api contract, shared by Electron's IPC handlers and browser mode's HTTP
// server: it holds which machine is shown and answers each call channel.
import type {
  CallChannel,
  CallResponse,
  EventChannel,
  EventPayload,
  MachineInfo,
} from '../../shared/api/contract';
import { ContractError, parseRequest } from '../../shared/api/contract';
import type { Inventory } from '../../shared/model/inventory';
import type { Host } from '../host/host';
import { LocalHost } from '../host/local-host';
import { DEFAULT_DEMO, DEMO_MACHINES } from '../host/demo-machines';
import { loadDemoHost } from '../host/select-host';
import { SnapshotHost } from '../host/snapshot-host';
import { SshError, SshHost, SshUrlError, formatSshUrl, parseSshUrl } from '../host/ssh-host';
import { PlanStore } from './plan-store';
import type { StoredPlan } from './plan-store';
import type { SshHostOptions, SshTarget } from '../host/ssh-host';
import { readInventory } from '../inventory/read-inventory';
import { randomBytes } from 'node:crypto';
import { plan } from '../../shared/planner/plan';
import { readPlanFiles } from '../planner/read-plan-files';
import { createApplyRuns } from './apply-runs';
import type { ApplyRunsOptions, RunTarget } from './apply-runs';
import { BackendError } from './backend-error';
import type { AppLog } from '../log/app-log';
import { version } from '../../package.json';
import { createDraftStore, draftHandlers, machineKey } from './drafts';
import { keepBootOncePlan } from './boot-once-run';

export type BackendSource =
  | { kind: 'local' }
  | { kind: 'demo'; name?: string }
  | { kind: 'snapshot'; path: string }
  | { kind: 'ssh'; target: SshTarget };

type Handlers = { [C in CallChannel]: (request: unknown) => Promise<CallResponse<C>> };
type Listener = <E extends EventChannel>(channel: E, payload: EventPayload<E>) => void;

export interface Backend {
  handlers: Handlers;
  /** Where failed calls and apply runs are written with what the envelope drops; null: nowhere. */
  readonly log: AppLog | null;
  /** Registers a sink for backend -> renderer events; returns the unsubscribe function. */
  subscribe(listener: Listener): () => void;
  /** Whether an apply, recover or dry run is in progress (closing would cancel it). */
  applying(): boolean;
  /**
   * Cancels a running apply and waits for its rollback, then ends the remote machine's SSH
   * connection, if one is shown; later calls are refused.
   */
  close(): Promise<void>;
}

export interface BackendOptions {
  /** Whether this machine (and so the remote machines it can reach) may be shown. */
  allowLocal?: boolean;
  apply?: ApplyRunsOptions;
  /**
   * How every SSH connection of this backend is made (tests give a key and a known_hosts). It is
   * set by whoever starts the backend, never by a call: the renderer must not choose ssh options
   * (`-o ProxyCommand=…` runs a command). Without it the user's own ssh setup is used.
   */
  ssh?: SshHostOptions;
  /** Where layout drafts are kept (tests give a temporary directory); XDG state by default. */
  draftsDir?: string;
  /** The plans this backend keeps (tests put a plan there as if the backend had made it). */
  plans?: PlanStore;
  /** The user's log (the app and `serve` give openAppLog()); tests leave it out and write none. */
  log?: AppLog | null;
}

// Long because the handlers are closures over the machine shown (source, host, inventory) that each
// call reads and some change.
export function createBackend(initial: BackendSource, options: BackendOptions = {}): Backend {
  const allowLocal = options.allowLocal ?? initial.kind === 'local';
  const sshOptions = options.ssh ?? {};
  let closed = false;
  let source = initial;
  let host: Promise<Host> | null = null;
  let inventory: Promise<Inventory> | null = null;
  const listeners = new Set<Listener>();

  const hostFor = (s: BackendSource): Promise<Host> =>
    s.kind === 'local'
      ? Promise.resolve(new LocalHost())
      : s.kind === 'demo'
        ? loadDemoHost(s.name)
        : s.kind === 'ssh'
          ? SshHost.connect(s.target, sshOptions)
          : SnapshotHost.load(s.path);
  // A remote machine holds one SSH master connection: closed when the app shows another machine.
  const release = (h: Promise<Host> | null) =>
    void h?.then((x) => x.close()).catch(() => undefined);
  const plans = options.plans ?? new PlanStore();
  const currentHost = () => {
    if (closed) return Promise.reject(closedError());
    return (host ??= hostFor(source));
  };
  const info = async (): Promise<MachineInfo> => ({
    source: source.kind,
    description:
      source.kind === 'demo'
        ? source.name === undefined || source.name === DEFAULT_DEMO
          ? 'the demo machine'
          : `the demo machine "${source.name}"`
        : // Named without connecting, so the app can say which machine it is trying to reach.
          source.kind === 'ssh'
          ? formatSshUrl(source.target)
          : (await currentHost()).description,
    localAvailable: allowLocal,
    // Named only for a demo other than the default, so the answer is as it always was otherwise.
    ...(source.kind === 'demo' && source.name !== undefined && source.name !== DEFAULT_DEMO
      ? { demo: source.name }
      : {}),
  });
  /** Names the machine a plan is made for: a plan runs only on the machine it was made for. */
  const planMachine = async () => `${source.kind}|${(await info()).description}`;
  const kept = (stored: StoredPlan) => ({
    plan: stored.plan,
    sha256: stored.sha256,
    origin: stored.origin,
  });
  const emit: Listener = (channel, payload) => {
    for (const l of listeners) l(channel, payload);
  };
  // Root is chosen per run by apply-runs, so the backend's own choice of it is not passed on.
  const { root: _root, ...runSsh } = sshOptions;
  const log = options.log ?? null;
  const runs = createApplyRuns(emit, {
    ...options.apply,
    ssh: options.apply?.ssh ?? runSsh,
    log: options.apply?.log ?? log,
  });
  const target = async (): Promise<RunTarget> =>
    source.kind === 'local'
      ? { kind: 'local' }
      : source.kind === 'ssh'
        ? // The executor runs here, over its own SSH connection, with root through the login or sudo -n.
          { kind: 'ssh', target: source.target }
        : // A recording has no machine behind it: the dry run walks the steps and says nothing ran.
          { kind: 'recorded', description: (await info()).description };

  const handlers: Handlers = {
    'app:about': (request) => {
      parseRequest('app:about', request);
      return Promise.resolve({ version, logPath: log?.path ?? null });
    },
    'machine:info': async (request) => {
      parseRequest('machine:info', request);
      return info();
    },
    'machine:inventory': async (request) => {
      const { refresh } = parseRequest('machine:inventory', request);
      if (refresh || inventory === null) {
        const next = currentHost().then((h) => readInventory(h));
        inventory = next;
        // A failed read must not stick: the next call tries again.
        next.catch(() => {
          if (inventory === next) inventory = null;
        });
      }
      return inventory;
    },
    'plan:make': async (request) => {
      const { layout } = parseRequest('plan:make', request);
      const machine = await planMachine();
      const [h, inv] = await Promise.all([currentHost(), handlers['machine:inventory']({})]);
      const files = await readPlanFiles(h, inv, layout);
      const made = await plan(inv, layout, {
        id: randomBytes(8).toString('hex'),
        now: new Date().toISOString(),
        files: files.files,
        dirs: files.dirs,
      });
      return kept(await plans.keep(made, { origin: { kind: 'made' }, machine, inventory: inv }));
    },
    'plan:open': async (request) => {
      const { name, text } = parseRequest('plan:open', request);
      const machine = await planMachine();
      const inventory = await handlers['machine:inventory']({});
      return kept(await plans.open(text, name, { machine, inventory }));
    },
    'machine:select': async (request) => {
      const { source: wanted, demo: demoName } = parseRequest('machine:select', request);
      if (runs.busy())
        throw new BackendError(
          'apply-busy',
          'An apply is running on the machine shown; switch machines when it has ended.',
        );
      if (wanted === 'local' && !allowLocal)
        throw new BackendError(
          'forbidden',
          'This session shows a recorded machine only; start Cohabit without --demo to see this machine.',
        );
      if (demoName !== undefined && !DEMO_MACHINES.some((d) => d.name === demoName))
        throw new BackendError('unknown-demo', `There is no demo machine "${demoName}".`);
      source =
        wanted === 'demo' && demoName !== undefined
          ? { kind: 'demo', name: demoName }
          : { kind: wanted };
      release(host);
      host = null;
      inventory = null;
      const next = await info();
      emit('machine:changed', next);
      return next;
    },
    'machine:connect': async (request) => {
      const { url } = parseRequest('machine:connect', request);
      if (closed) throw closedError();
      if (runs.busy())
        throw new BackendError(
          'apply-busy',
          'An apply is running on the machine shown; connect to another machine when it has ended.',
        );
      // A recording-only session must not become a way to reach other machines from this one.
      if (!allowLocal)
        throw new BackendError(
          'forbidden',
          'This session shows a recorded machine only; start Cohabit without --demo to connect to a remote machine.',
        );
      let wanted: SshTarget;
      try {
        wanted = parseSshUrl(url.trim());
      } catch (e) {
        if (e instanceof SshUrlError)
          throw new ContractError('bad-request', `machine:connect: url: ${e.message}`);
        throw e;
      }
      // Connected before switching: a refused key or login leaves the machine shown as it was.
      let connected: SshHost;
      try {
        connected = await SshHost.connect(wanted, sshOptions);
      } catch (e) {
        if (e instanceof SshError) throw new BackendError(`ssh.${e.failure}`, e.message);
        throw e;
      }
      // Closed while the login ran: this connection would have no one to close it.
      if (closed) {
        release(Promise.resolve(connected));
        throw closedError();
      }
      // The login can take seconds; an apply started meanwhile keeps its machine.
      if (runs.busy()) {
        release(Promise.resolve(connected));
        throw new BackendError(
          'apply-busy',
          'An apply started on the machine shown while connecting; connect again when it has ended.',
        );
      }
      release(host);
      source = { kind: 'ssh', target: wanted };
      host = Promise.resolve(connected);
      inventory = null;
      const next = await info();
      emit('machine:changed', next);
      return next;
    },
    'apply:start': async (request) => {
      const { planId, sha256, dryRun } = parseRequest('apply:start', request);
      const stored = plans.take(planId, sha256, await planMachine());
      return runs.start(await target(), stored, dryRun);
    },
    'apply:bootOnce': async (request) => {
      const { planId, sha256, entryId, dryRun } = parseRequest('apply:bootOnce', request);
      const stored = plans.take(planId, sha256, await planMachine());
      const once = await keepBootOncePlan(plans, stored, entryId);
      return runs.start(await target(), once, dryRun);
    },
    'apply:cancel': (request) => {
      const { applyId } = parseRequest('apply:cancel', request);
      return Promise.resolve(runs.cancel(applyId));
    },
    'apply:unfinished': async (request) => {
      parseRequest('apply:unfinished', request);
      return runs.unfinished(await target());
    },
    'apply:recover': async (request) => {
      const { planId, mode } = parseRequest('apply:recover', request);
      return runs.recover(await target(), planId, mode);
    },
    // The machine shown when the call comes; its inventory is needed for its pools' GUIDs.
    ...draftHandlers(createDraftStore(options.draftsDir), async () => {
      const shown = source;
      return machineKey(shown, await handlers['machine:inventory']({}));
    }),
  };
  return {
    handlers,
    log,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    applying: () => runs.busy(),
    async close() {
      closed = true;
      await runs.stop();
      const shown = host;
      host = null;
      inventory = null;
      await shown?.then((h) => h.close()).catch(() => undefined);
    },
  };
}

function closedError(): BackendError {
  return new BackendError('closed', 'Cohabit is shutting down; the machine is no longer read.');
}

export { BackendError } from './backend-error';
