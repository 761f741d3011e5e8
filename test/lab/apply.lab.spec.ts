// The seed plan's storage and boot steps applied for real in a lab guest: the plan, a busy mount,
// sudo -n, the apply itself, GRUB reading the path, an encrypted parent (see apply-lab.ts).
import { describeApplyLab } from './apply-lab';

describeApplyLab('apply');
