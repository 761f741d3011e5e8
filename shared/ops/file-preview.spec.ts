// A file step's diff and "current content" are what the user reads of a write; the helper checks
// only the hash. A plan whose diff or current content is not the write its verb makes is caught.
import { describe, expect, it } from 'vitest';
import type { Plan, Step } from '../model/plan';
import { seedPlan } from '../../test/helper/seed-plan';
import { fileChangeDiff, filePreviewProblems } from './file-preview';

/** The seed plan with one file step's preview changed. */
function withPreview(change: (step: Step & { preview: { kind: 'file' } }) => Step): {
  plan: Plan;
  id: string;
} {
  const plan = seedPlan();
  const index = plan.steps.findIndex(
    (s) =>
      s.preview.kind === 'file' &&
      s.call.verb === 'file.write' &&
      s.call.args.previousSha256 !== null,
  );
  const step = plan.steps[index] as Step & { preview: { kind: 'file' } };
  const steps = plan.steps.slice();
  steps[index] = change(step);
  return { plan: { ...plan, steps }, id: step.id };
}

describe('filePreviewProblems', () => {
  it('finds nothing in a plan whose diffs are the writes', async () => {
    await expect(filePreviewProblems(seedPlan())).resolves.toEqual([]);
  });

  it('catches a diff that hides what the write does', async () => {
    const { plan, id } = withPreview((s) => ({
      ...s,
      preview: {
        ...s.preview,
        diff: fileChangeDiff(s.preview.path, s.preview.previous, s.preview.previous ?? ''),
      },
    }));
    await expect(filePreviewProblems(plan)).resolves.toEqual([
      `step ${id}: its diff is not the change file.write makes to /etc/nixos/configuration.nix`,
    ]);
  });

  it('catches a current content that is not the file the write replaces', async () => {
    const { plan, id } = withPreview((s) => {
      const previous = s.preview.content; // "nothing changes"
      return {
        ...s,
        preview: {
          ...s.preview,
          previous,
          diff: fileChangeDiff(s.preview.path, previous, s.preview.content),
        },
      };
    });
    await expect(filePreviewProblems(plan)).resolves.toEqual([
      `step ${id}: its preview shows a current file whose sha256 is not the one it replaces`,
    ]);
  });

  it('catches a replaced file shown as a new one', async () => {
    const { plan, id } = withPreview((s) => ({
      ...s,
      preview: {
        ...s.preview,
        previous: null,
        diff: fileChangeDiff(s.preview.path, null, s.preview.content),
      },
    }));
    await expect(filePreviewProblems(plan)).resolves.toEqual([
      `step ${id}: its preview says the file is new but its verb says it exists`,
    ]);
  });
});
