// The passthrough analysis's vocabulary: what it is given (the context) and what it answers (a
// candidate per device, with its reasons). Kept apart so that the rules, the facts and the callers
// share one definition without importing the analysis itself.
import type { Inventory } from '../model/inventory';

export interface AnalysisContext {
  inventory: Inventory;
  /** Which checks could be made: a listing lacks sysfs facts. */
  facts: { sysfs: boolean; disks: boolean; usb: boolean; network: boolean };
  hostHeadless: boolean;
  /** Groups whose membership the source does not tell for sure (e.g. a pasted listing that lists
   * an address twice or has a cut line); they are never called clean. */
  untrustedGroups?: number[];
}

export interface Reason {
  code: string;
  severity: 'refuse' | 'warn' | 'info';
  message: string;
  devices: string[];
  fix?: string;
}

export interface PassthroughCandidate {
  address: string;
  /** The device's name as the source gives it, for display. */
  name: string;
  kind: 'gpu' | 'usb' | 'other';
  group: number | null;
  /** Every endpoint to bind to vfio-pci, sorted. */
  passTogether: string[];
  ownFunctions: string[];
  foreign: string[];
  clean: boolean;
  vfioIds: string[];
  bindByAddress: boolean;
  verdict: 'ok' | 'warn' | 'refuse';
  reasons: Reason[];
  groupsInvolved: number[];
}

export interface PassthroughAnalysis {
  groups: number;
  devices: number;
  gpus: PassthroughCandidate[];
  usbControllers: PassthroughCandidate[];
  others: PassthroughCandidate[];
  checksNotMade: { code: string; message: string }[];
  global: Reason[];
}
