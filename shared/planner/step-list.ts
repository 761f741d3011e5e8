// StepList: builds a plan's Steps one verb at a time, each with its preview (argv or file diff)
// and its undo, numbered in order. Shared by the planner's parts (plan.ts, plan-main.ts).
import { shellQuote } from '../emit/shell-quote';
import type { Step, StepPreview } from '../model/plan';
import { fileChangeDiff } from '../ops/file-preview';
import { verbSpecs, type Verb, type VerbArgs, type VerbCall } from '../ops/verbs';

export class StepList {
  readonly steps: Step[] = [];
  private readonly specs;
  /**
   * @param previousHashes SHA-256 of each file content a write may replace, taken beforehand
   *   (plan() hashes every content of its context.files with Web Crypto, which is async).
   */
  constructor(
    journal: string,
    private readonly previousHashes: ReadonlyMap<string, string> = new Map(),
  ) {
    this.specs = verbSpecs(journal);
  }

  private hashOf(path: string, previous: string): string {
    const hash = this.previousHashes.get(previous);
    // Every previous content comes from the plan's context.files, all of which are hashed.
    if (hash === undefined)
      throw new Error(`planner: the current content of ${path} was not hashed before planning`);
    return hash;
  }

  add<V extends Verb>(
    verb: V,
    args: VerbArgs<V>,
    title: string,
    why: { element: string; text: string },
    previous: string | null = null,
  ): void {
    const spec = this.specs[verb];
    const argv = spec.argv(args);
    let preview: StepPreview;
    if (argv !== null) preview = { kind: 'command', argv, shell: shellQuote(argv) };
    else {
      const file = args as unknown as { path: string; content: string };
      preview = {
        kind: 'file',
        path: file.path,
        diff: fileChangeDiff(file.path, previous, file.content),
        content: file.content,
        previous,
      };
    }
    const undo = spec.undo(args);
    this.steps.push({
      id: `s${String(this.steps.length + 1).padStart(2, '0')}`,
      call: { verb, args } as VerbCall,
      title,
      why,
      risk: spec.risk(args),
      preview,
      undo: { text: undo.text, argv: undo.argv, shell: undo.argv.map((a) => shellQuote(a)) },
    });
  }

  write(
    path: string,
    content: string,
    previous: string | null,
    title: string,
    why: { element: string; text: string },
    mode = 0o644,
  ): void {
    this.add(
      'file.write',
      {
        path,
        content,
        mode,
        previousSha256: previous === null ? null : this.hashOf(path, previous),
      },
      title,
      why,
      previous,
    );
  }
}
