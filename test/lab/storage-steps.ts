// The part of a plan the Debian lab guest can really run: shared by the apply lab and the boot proof.
import type { Step } from '../../shared/model/plan';
import { DEFAULT_MOUNT_ROOT } from '../../shared/planner/planner-paths';

// Verbs the Debian guest can really run. nixos.* need NixOS and libvirt.* a libvirt daemon: their
// argv and the files handed to them are checked on the fake machine (test/helper/
// planned-seed-apply.spec.ts). file.copySecret needs the main system's LUKS key file, which a
// guest without LUKS does not have; the main system's /etc/nixos files do not exist on Debian.
const STORAGE_VERBS = new Set([
  'zfs.createDataset',
  'zfs.createVolume',
  'zfs.setUserProp',
  'disk.waitForDevice',
  'disk.partitionEsp',
  'disk.mkfsFat',
  'fs.mkdir',
  'fs.mount',
  'fs.unmount',
]);
export const isStorageStep = (s: Step): boolean =>
  STORAGE_VERBS.has(s.call.verb) ||
  (s.call.verb === 'file.write' && s.call.args.path.startsWith(`${DEFAULT_MOUNT_ROOT}/`));
