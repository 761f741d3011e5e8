// The Host implementations behave alike: errors carry codes and name their target, a snapshot
// replays exactly what was recorded, and a read it lacks is an error naming the path or argv.
import { mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HostError, readText, runChecked, CommandError } from './host';
import { LocalHost } from './local-host';
import { RecordingHost } from './recording-host';
import { SnapshotHost } from './snapshot-host';
import { VirtualHost } from './virtual-host';

function sysfsLike(): VirtualHost {
  return new VirtualHost('sysfs-like')
    .file('/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/vendor', '0x10de\n')
    .link(
      '/sys/bus/pci/devices/0000:01:00.0',
      '../../../devices/pci0000:00/0000:00:01.0/0000:01:00.0',
    )
    .link(
      '/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/driver',
      '../../../../bus/pci/drivers/nvidia',
    )
    .mkdirp('/sys/bus/pci/drivers/nvidia')
    .file('/etc/hostid', new Uint8Array([0x30, 0xb8, 0xc7, 0x75]))
    .command(['zpool', 'list'], { stdout: 'zroot\n' })
    .command(['false'], { exitCode: 1, stderr: 'nope\n' });
}

describe('VirtualHost', () => {
  it('follows relative sysfs links like the kernel tree', async () => {
    const host = sysfsLike();
    expect(await readText(host, '/sys/bus/pci/devices/0000:01:00.0/vendor')).toBe('0x10de\n');
    expect(await host.readLink('/sys/bus/pci/devices/0000:01:00.0/driver')).toBe(
      '../../../../bus/pci/drivers/nvidia',
    );
    expect(await host.readDir('/sys/bus/pci/drivers/nvidia')).toEqual([]);
    expect(await host.readDir('/sys/bus/pci/devices')).toEqual(['0000:01:00.0']);
    expect((await host.stat('/sys/bus/pci/devices/0000:01:00.0')).kind).toBe('link');
  });

  it('answers a missing path with ENOENT and an unknown command as not installed', async () => {
    const host = sysfsLike();
    await expect(host.readFile('/sys/nothing')).rejects.toMatchObject({
      code: 'ENOENT',
      target: '/sys/nothing',
    });
    await expect(host.run(['lspci'])).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(runChecked(host, ['false'])).rejects.toBeInstanceOf(CommandError);
  });
});

describe('RecordingHost and SnapshotHost', () => {
  it('replays exactly what was recorded, including errors and binary files', async () => {
    const recorder = new RecordingHost(sysfsLike());
    await recorder.readFile('/sys/bus/pci/devices/0000:01:00.0/vendor');
    await recorder.readFile('/etc/hostid');
    await recorder.readLink('/sys/bus/pci/devices/0000:01:00.0/driver');
    await expect(recorder.readFile('/sys/absent')).rejects.toThrow(HostError);
    await expect(recorder.run(['lspci', '-nnmm'])).rejects.toThrow(HostError);
    await recorder.run(['zpool', 'list']);
    const json: unknown = JSON.parse(JSON.stringify(recorder.snapshot));
    const replay = SnapshotHost.parse(json);

    expect(await readText(replay, '/sys/bus/pci/devices/0000:01:00.0/vendor')).toBe('0x10de\n');
    expect([...(await replay.readFile('/etc/hostid'))]).toEqual([0x30, 0xb8, 0xc7, 0x75]);
    expect(await replay.readLink('/sys/bus/pci/devices/0000:01:00.0/driver')).toBe(
      '../../../../bus/pci/drivers/nvidia',
    );
    await expect(replay.readFile('/sys/absent')).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(replay.run(['lspci', '-nnmm'])).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await replay.run(['zpool', 'list'])).stdout).toBe('zroot\n');
  });

  it('refuses a read the snapshot does not hold, naming the path or the argv', async () => {
    const replay = SnapshotHost.parse(
      JSON.parse(JSON.stringify(new RecordingHost(sysfsLike()).snapshot)),
    );
    await expect(replay.readFile('/proc/cmdline')).rejects.toThrow(
      /holds no file for \/proc\/cmdline/,
    );
    await expect(replay.readFile('/proc/cmdline')).rejects.toMatchObject({ code: 'NOT_RECORDED' });
    await expect(replay.run(['zfs', 'list', '-Hp'])).rejects.toThrow(
      /holds no command for zfs list -Hp/,
    );
  });

  it('rejects a file that is not a snapshot with a message naming the field', () => {
    expect(() => SnapshotHost.parse({ format: 'something-else' })).toThrow(
      /not a Cohabit host snapshot/,
    );
  });
});

describe('LocalHost', () => {
  const host = new LocalHost();

  it('reads files, lists directories, and never follows a link on stat', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cohabit-host-'));
    await writeFile(join(dir, 'a'), 'x y\n');
    await symlink('a', join(dir, 'l'));
    expect(await readText(host, join(dir, 'l'))).toBe('x y\n');
    expect(await host.readDir(dir)).toEqual(['a', 'l']);
    expect((await host.stat(join(dir, 'l'))).kind).toBe('link');
    expect(await host.readLink(join(dir, 'l'))).toBe('a');
    await expect(host.readFile(join(dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('reads procfs files whose size is reported as 0', async () => {
    expect((await readText(host, '/proc/self/status')).length).toBeGreaterThan(100);
  });

  it('keeps argv boundaries: a shell metacharacter is just a byte', async () => {
    const result = await host.run(['printf', '%s|', 'a b', '$(reboot)', "'"]);
    expect(result).toMatchObject({ exitCode: 0, stdout: "a b|$(reboot)|'|" });
  });

  it('reports a missing tool, a non-zero exit, a timeout and an abort distinctly', async () => {
    await expect(host.run(['cohabit-no-such-tool'])).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await host.run(['sh', '-c', 'exit 3'])).exitCode).toBe(3);
    await expect(host.run(['sleep', '5'], { timeoutMs: 200 })).rejects.toMatchObject({
      code: 'TIMEOUT',
    });
    const controller = new AbortController();
    const running = host.run(['sleep', '5'], { signal: controller.signal });
    controller.abort();
    await expect(running).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('refuses a file larger than the limit', async () => {
    await expect(host.readFile('/proc/self/status', { maxBytes: 10 })).rejects.toMatchObject({
      code: 'TOO_LARGE',
    });
  });
});
