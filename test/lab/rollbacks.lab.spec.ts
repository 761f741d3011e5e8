// A failure injected after each step of the seed plan's storage and boot part, in a lab guest of
// its own: every rollback leaves pool, mounts and files as they were (see apply-lab.ts).
import { describeApplyLab } from './apply-lab';

describeApplyLab('rollbacks');
