// Reading the planner's unified diffs: the header is dropped, every line keeps its kind and the
// line numbers a reader would look up in the file. The diff is the demo machine's seed plan step
// that adds the import line to /etc/nixos/configuration.nix, as `cohabit plan --demo` printed it.
import { describe, expect, it } from 'vitest';
import { diffLines, diffStats } from './diff-lines';

const IMPORT_DIFF = `Index: /etc/nixos/configuration.nix
===================================================================
--- /etc/nixos/configuration.nix\tcurrent
+++ /etc/nixos/configuration.nix\tplanned
@@ -1,8 +1,8 @@
 { config, pkgs, ... }:
 
 {
-  imports = [ ./hardware-configuration.nix ];
+  imports = [ ./hardware-configuration.nix ./cohabit.nix ];
 
   boot.loader.grub = {
     enable = true;
     device = "nodev";
`;

describe('diffLines', () => {
  it('drops the file header and numbers old and new lines from the hunk header', () => {
    const lines = diffLines(IMPORT_DIFF);
    expect(lines[0]).toEqual({ kind: 'hunk', text: '@@ -1,8 +1,8 @@', oldNo: null, newNo: null });
    expect(lines.some((l) => l.text.includes('Index:') || l.text.startsWith('=='))).toBe(false);
    expect(lines[4]).toEqual({
      kind: 'del',
      text: '  imports = [ ./hardware-configuration.nix ];',
      oldNo: 4,
      newNo: null,
    });
    expect(lines[5]).toEqual({
      kind: 'add',
      text: '  imports = [ ./hardware-configuration.nix ./cohabit.nix ];',
      oldNo: null,
      newNo: 4,
    });
    expect(lines.at(-1)).toEqual({
      kind: 'ctx',
      text: '    device = "nodev";',
      oldNo: 8,
      newNo: 8,
    });
    expect(diffStats(lines)).toEqual({ added: 1, removed: 1 });
  });

  it('numbers a new file from 1 and keeps the no-newline marker as a note', () => {
    const lines = diffLines(
      '--- /etc/x\t(absent)\n+++ /etc/x\tplanned\n@@ -0,0 +1,2 @@\n+a\n+b\n\\ No newline at end of file\n',
    );
    expect(lines.map((l) => [l.kind, l.newNo])).toEqual([
      ['hunk', null],
      ['add', 1],
      ['add', 2],
      ['note', null],
    ]);
    expect(lines[3]?.text).toBe('No newline at end of file');
  });

  it('reads a second hunk from its own header', () => {
    const lines = diffLines('@@ -1,1 +1,1 @@\n-a\n+b\n@@ -40,2 +40,3 @@\n x\n+y\n z\n');
    expect(lines.filter((l) => l.kind === 'ctx').map((l) => l.oldNo)).toEqual([40, 41]);
    expect(lines.find((l) => l.text === 'y')?.newNo).toBe(41);
  });
});
