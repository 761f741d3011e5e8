// A file step's preview is what the user reads of a write: the diff against the file as it is, and
// that file's content. The helper checks only the file's hash (previousSha256), so a plan file
// could show a harmless diff, or a "previous" content that is not the file on the machine, over a
// write that replaces the whole file. Both are derived again here and must be equal.
import { createTwoFilesPatch } from 'diff';
import type { Plan } from '../model/plan';
import { sha256Hex } from './plan-identity';

/** The unified diff a plan shows for a file write: from the current content (or nothing). */
export function fileChangeDiff(path: string, previous: string | null, content: string): string {
  return createTwoFilesPatch(
    path,
    path,
    previous ?? '',
    content,
    previous === null ? '(absent)' : 'current',
    'planned',
  );
}

/** Why a file step's preview is not the write its verb makes, one line per problem. */
export async function filePreviewProblems(plan: Pick<Plan, 'steps'>): Promise<string[]> {
  const problems: string[] = [];
  for (const step of plan.steps) {
    const { call, preview } = step;
    if (call.verb !== 'file.write' || preview.kind !== 'file') continue;
    const { path, content, previousSha256 } = call.args;
    const previous = preview.previous;
    if ((previous === null) !== (previousSha256 === null))
      problems.push(
        `step ${step.id}: its preview says the file ${previous === null ? 'is new' : 'exists'} but its verb says ${previousSha256 === null ? 'it is new' : 'it exists'}`,
      );
    else if (previous !== null && (await sha256Hex(previous)) !== previousSha256)
      problems.push(
        `step ${step.id}: its preview shows a current file whose sha256 is not the one it replaces`,
      );
    else if (preview.diff !== fileChangeDiff(path, previous, content))
      problems.push(`step ${step.id}: its diff is not the change ${call.verb} makes to ${path}`);
  }
  return problems;
}
