# Declarations of every NixOS option that Cohabit's generated configurations set (and of those the
# demo machines' own configurations and the hardware-configuration.nix fixtures set), transcribed
# from nixpkgs' module sources with the assertions and warnings of those modules that concern them.
# Each block names the nixpkgs file and the commit read (the versions the search index holds), and
# where a 26.05/26.11 behaviour is not in that commit, the evidence it was transcribed from.
#
# Nothing here is freeform: an option Cohabit sets that is not declared below makes
# lib.evalModules fail with "The option `...' does not exist", which is the point.
# Types are nixpkgs' own where the vendored lib has them; a simplification is marked "simplified".
[
  # nixos/modules/misc/assertions.nix (NixOS/nixpkgs b69a0b599fef1d6fd5aff59e1e07135fff17c359).
  ({ lib, ... }: {
    options.assertions = lib.mkOption {
      type = lib.types.listOf lib.types.unspecified;
      internal = true;
      default = [ ];
    };
    options.warnings = lib.mkOption {
      internal = true;
      default = [ ];
      type = lib.types.listOf lib.types.str;
    };
  })

  # nixos/modules/misc/version.nix (NixOS/nixpkgs 00f7b4bdb0befccf40d8d93ebd6745d81553ef0f):
  # system.stateVersion defaults to the release, and since 23.05 an unset stateVersion warns.
  # system.nixos.release is read-only: the harness defines it once, as the release under test.
  ({ config, options, lib, ... }: {
    options.system.nixos.release = lib.mkOption {
      readOnly = true;
      type = lib.types.str;
    };
    options.system.stateVersion = lib.mkOption {
      type = lib.types.str;
      default = config.system.nixos.release;
    };
    config.warnings = lib.optional
      (options.system.stateVersion.highestPrio == (lib.mkOptionDefault { }).priority)
      "system.stateVersion is not set, defaulting to ${config.system.stateVersion}.";
  })

  # nixos/modules/system/boot/kernel.nix (NixOS/nixpkgs 00f7b4bdb0befccf40d8d93ebd6745d81553ef0f).
  ({ lib, ... }: {
    options.boot.kernelParams = lib.mkOption {
      type = lib.types.listOf (lib.types.strMatching ''([^"[:space:]]|"[^"]*")+'' // {
        name = "kernelParam";
        description = "string, with spaces inside double quotes";
      });
      default = [ ];
    };
    options.boot.kernelModules = lib.mkOption {
      type = lib.types.listOf lib.types.str;
      default = [ ];
    };
    options.boot.initrd.kernelModules = lib.mkOption {
      type = lib.types.listOf lib.types.str;
      default = [ ];
    };
    options.boot.initrd.availableKernelModules = lib.mkOption {
      type = lib.types.listOf lib.types.str;
      default = [ ];
    };
  })

  # nixos/modules/config/sysctl.nix (NixOS/nixpkgs 00f7b4bdb0befccf40d8d93ebd6745d81553ef0f);
  # simplified: nixpkgs' sysctlOption also takes the highest of two integers.
  ({ lib, ... }: {
    options.boot.kernel.sysctl = lib.mkOption {
      type = lib.types.attrsOf (lib.types.nullOr (lib.types.oneOf [ lib.types.bool lib.types.str lib.types.int ]));
      default = { };
    };
  })

  # nixos/modules/system/boot/modprobe.nix (NixOS/nixpkgs 00f7b4bdb0befccf40d8d93ebd6745d81553ef0f).
  ({ lib, ... }: {
    options.boot.extraModprobeConfig = lib.mkOption {
      type = lib.types.lines;
      default = "";
    };
  })

  # nixos/modules/system/boot/stage-1.nix (NixOS/nixpkgs 00f7b4bdb0befccf40d8d93ebd6745d81553ef0f):
  # the scripted initrd's hooks and the initrd secrets.
  ({ lib, ... }: {
    options.boot.initrd.enable = lib.mkOption {
      type = lib.types.bool;
      default = true;
    };
    options.boot.initrd.preDeviceCommands = lib.mkOption {
      type = lib.types.lines;
      default = "";
    };
    options.boot.initrd.postDeviceCommands = lib.mkOption {
      type = lib.types.lines;
      default = "";
    };
    options.boot.initrd.preLVMCommands = lib.mkOption {
      type = lib.types.lines;
      default = "";
    };
    options.boot.initrd.secrets = lib.mkOption {
      type = lib.types.attrsOf (lib.types.nullOr lib.types.path);
      default = { };
    };
  })

  # nixos/modules/tasks/filesystems.nix (NixOS/nixpkgs 00f7b4bdb0befccf40d8d93ebd6745d81553ef0f and
  # the list-to-attrs coercion of boot.supportedFilesystems since 24.05).
  # Every file system type in fileSystems is supported (filesystems.nix, config section).
  ({ config, lib, ... }: {
    config.boot.supportedFilesystems = lib.mapAttrsToList (_: fs: fs.fsType) config.fileSystems;
    options.boot.supportedFilesystems = lib.mkOption {
      type = lib.types.coercedTo (lib.types.listOf lib.types.str)
        (enabled: lib.listToAttrs (map (fs: lib.nameValuePair fs true) enabled))
        (lib.types.attrsOf lib.types.bool);
      default = { };
    };
    options.fileSystems = lib.mkOption {
      default = { };
      type = lib.types.attrsOf (lib.types.submodule ({ name, ... }: {
        options.mountPoint = lib.mkOption {
          type = lib.types.nonEmptyStr;
          default = name;
        };
        options.device = lib.mkOption {
          type = lib.types.nullOr lib.types.nonEmptyStr;
          default = null;
        };
        # No default: "fsType has no default any more" (DESIGN.md section 5); forcing an entry
        # without one fails this evaluation.
        options.fsType = lib.mkOption { type = lib.types.nonEmptyStr; };
        options.options = lib.mkOption {
          type = lib.types.nonEmptyListOf lib.types.nonEmptyStr;
          default = [ "defaults" ];
        };
        options.neededForBoot = lib.mkOption {
          type = lib.types.bool;
          default = false;
        };
      }));
    };
  })

  # nixos/modules/system/boot/systemd/initrd.nix (NixOS/nixpkgs 00e6b22b508f93e219efee2dda4397027ccaf934):
  # the scripted hooks fail an assertion under systemd stage 1, and the root file system must be
  # in fileSystems. The 26.05 default (systemd stage 1 on) and the warning for the scripted initrd
  # ("Scripted initrd is deprecated and scheduled for removal in 26.11") are not in that commit:
  # transcribed from the 26.05 release notes and the warning text as users quote it (see
  # docs/decisions.md, "Emitters"). Unit options: simplified to the ones Cohabit writes.
  ({ config, lib, ... }:
    let
      cfg = config.boot.initrd.systemd;
      since2605 = lib.versionAtLeast config.system.nixos.release "26.05";
    in {
      options.boot.initrd.systemd.enable = lib.mkOption {
        type = lib.types.bool;
        default = since2605;
      };
      options.boot.initrd.systemd.services = lib.mkOption {
        default = { };
        type = lib.types.attrsOf (lib.types.submodule {
          options.enable = lib.mkOption { type = lib.types.bool; default = true; };
          options.description = lib.mkOption { type = lib.types.singleLineStr; default = ""; };
          options.wantedBy = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ ]; };
          options.requiredBy = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ ]; };
          options.before = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ ]; };
          options.after = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ ]; };
          options.unitConfig = lib.mkOption {
            type = lib.types.attrsOf (lib.types.oneOf [ lib.types.bool lib.types.str lib.types.int (lib.types.listOf lib.types.str) ]);
            default = { };
          };
          options.serviceConfig = lib.mkOption {
            type = lib.types.attrsOf (lib.types.oneOf [ lib.types.bool lib.types.str lib.types.int (lib.types.listOf lib.types.str) ]);
            default = { };
          };
          options.script = lib.mkOption { type = lib.types.lines; default = ""; };
        });
      };
      config = lib.mkMerge [
        (lib.mkIf (config.boot.initrd.enable && cfg.enable) {
          assertions = [
            {
              assertion = lib.any (fs: fs.mountPoint == "/") (builtins.attrValues config.fileSystems);
              message = "The ‘fileSystems’ option does not specify your root file system.";
            }
          ] ++ map (name: {
            assertion = config.boot.initrd.${name} == "";
            message = "systemd stage 1 does not support 'boot.initrd.${name}'. Please convert it to analogous systemd units in 'boot.initrd.systemd'.";
          }) [ "preDeviceCommands" "postDeviceCommands" "preLVMCommands" ];
        })
        (lib.mkIf (config.boot.initrd.enable && !cfg.enable && since2605) {
          warnings = [ "Scripted initrd is deprecated and scheduled for removal in 26.11" ];
        })
      ];
    })

  # nixos/modules/system/boot/luksroot.nix (NixOS/nixpkgs e8778acbd7cac19a732feaa9e7ed3ef71f0d6cf8).
  ({ config, lib, ... }:
    let devices = builtins.attrValues config.boot.initrd.luks.devices; in {
      options.boot.initrd.luks.devices = lib.mkOption {
        default = { };
        type = lib.types.attrsOf (lib.types.submodule ({ name, ... }: {
          options.name = lib.mkOption { type = lib.types.str; default = name; };
          options.device = lib.mkOption { type = lib.types.str; };
          options.keyFile = lib.mkOption { type = lib.types.nullOr lib.types.str; default = null; };
          options.preLVM = lib.mkOption { type = lib.types.bool; default = true; };
          options.allowDiscards = lib.mkOption { type = lib.types.bool; default = false; };
          options.fallbackToPassword = lib.mkOption { type = lib.types.bool; default = false; };
        }));
      };
      config.assertions = [
        {
          assertion = config.boot.initrd.systemd.enable -> lib.all (dev: !dev.fallbackToPassword) devices;
          message = "boot.initrd.luks.devices.<name>.fallbackToPassword is implied by systemd stage 1.";
        }
        {
          assertion = config.boot.initrd.systemd.enable -> lib.all (dev: dev.preLVM) devices;
          message = "boot.initrd.luks.devices.<name>.preLVM is not used by systemd stage 1.";
        }
      ];
    })

  # nixos/modules/system/boot/loader/efi.nix (NixOS/nixpkgs 00f7b4bdb0befccf40d8d93ebd6745d81553ef0f).
  ({ lib, ... }: {
    options.boot.loader.efi.efiSysMountPoint = lib.mkOption {
      type = lib.types.str;
      default = "/boot";
    };
    options.boot.loader.efi.canTouchEfiVariables = lib.mkOption {
      type = lib.types.bool;
      default = false;
    };
  })

  # nixos/modules/system/boot/loader/grub/grub.nix (NixOS/nixpkgs 00f7b4bdb0befccf40d8d93ebd6745d81553ef0f):
  # the options Cohabit writes and the assertions that concern them (a device or devices must be
  # given, efiInstallAsRemovable needs efiSupport and untouched EFI variables, devices are
  # absolute or "nodev"). extraInitrd is a removed option (same file, imports).
  ({ config, lib, ... }:
    let
      cfg = config.boot.loader.grub;
      devices = cfg.devices ++ lib.optional (cfg.device != "") cfg.device;
    in {
      imports = [
        (lib.mkRemovedOptionModule [ "boot" "loader" "grub" "extraInitrd" ] "Use boot.initrd.secrets.")
      ];
      options.boot.loader.grub = {
        enable = lib.mkOption { type = lib.types.bool; default = true; };
        device = lib.mkOption { type = lib.types.str; default = ""; };
        devices = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ ]; };
        efiSupport = lib.mkOption { type = lib.types.bool; default = false; };
        efiInstallAsRemovable = lib.mkOption { type = lib.types.bool; default = false; };
        zfsSupport = lib.mkOption { type = lib.types.bool; default = false; };
        enableCryptodisk = lib.mkOption { type = lib.types.bool; default = false; };
        copyKernels = lib.mkOption { type = lib.types.bool; default = false; };
        extraEntries = lib.mkOption { type = lib.types.lines; default = ""; };
      };
      config = lib.mkIf cfg.enable {
        assertions = [
          {
            assertion = devices != [ ];
            message = "You must set the option ‘boot.loader.grub.devices’ or 'boot.loader.grub.mirroredBoots' to make the system bootable.";
          }
          {
            assertion = cfg.efiInstallAsRemovable -> cfg.efiSupport;
            message = "If you wish to to use boot.loader.grub.efiInstallAsRemovable, then turn on boot.loader.grub.efiSupport";
          }
          {
            assertion = cfg.efiInstallAsRemovable -> !config.boot.loader.efi.canTouchEfiVariables;
            message = "If you wish to to use boot.loader.grub.efiInstallAsRemovable, then turn off boot.loader.efi.canTouchEfiVariables";
          }
        ] ++ map (device: {
          assertion = device == "nodev" || lib.hasPrefix "/" device;
          message = "GRUB devices must be absolute paths, not ${device} in /boot";
        }) devices;
      };
    })

  # nixos/modules/tasks/filesystems/zfs.nix (NixOS/nixpkgs a623be9d17ee69da64b6645187a5c0bb1bec33ed,
  # 00f7b4bdb0befccf40d8d93ebd6745d81553ef0f): hostId must be set when ZFS is enabled. The 26.11
  # default (`lib.versionOlder config.system.stateVersion "26.11"`) and the warning while the
  # option is left at a default of true are not in those commits: transcribed from zfs.nix as
  # quoted (lines 355-358 and 700-710) and from the warning text users quote (docs/decisions.md).
  ({ config, options, lib, ... }:
    let
      cfg = config.boot.zfs;
      enabled = config.boot.supportedFilesystems.zfs or false;
      release = config.system.nixos.release;
    in {
      options.boot.zfs.forceImportRoot = lib.mkOption {
        type = lib.types.bool;
        default = if lib.versionAtLeast release "26.11"
          then lib.versionOlder config.system.stateVersion "26.11"
          else true;
      };
      options.services.zfs.autoScrub.enable = lib.mkEnableOption "periodic scrubbing of ZFS pools";
      config = lib.mkIf enabled {
        assertions = [
          {
            assertion = config.networking.hostId != null;
            message = "ZFS requires networking.hostId to be set";
          }
        ];
        warnings = lib.optional
          (lib.versionAtLeast release "26.05"
            && options.boot.zfs.forceImportRoot.highestPrio == (lib.mkOptionDefault { }).priority
            && cfg.forceImportRoot)
          "`boot.zfs.forceImportRoot` is using the default value of `true`. It is highly recommended to set it to `false`, the new default from 26.11 on, to reduce the risk of data loss. Alternatively, you can silence this warning by explicitly setting it to `true`.";
      };
    })

  # nixos/modules/tasks/network-interfaces.nix (NixOS/nixpkgs 00f7b4bdb0befccf40d8d93ebd6745d81553ef0f).
  ({ lib, ... }: {
    options.networking.hostId = lib.mkOption {
      default = null;
      type = lib.types.nullOr (lib.types.addCheck lib.types.str (s: builtins.match "[0-9a-f]{8}" s != null));
    };
    options.networking.hostName = lib.mkOption {
      default = "nixos";
      type = lib.types.strMatching "^$|^[[:alnum:]]([[:alnum:]_-]{0,61}[[:alnum:]])?$";
    };
    options.networking.useDHCP = lib.mkOption { type = lib.types.bool; default = true; };
  })

  # nixos/modules/config/users-groups.nix (NixOS/nixpkgs b69a0b599fef1d6fd5aff59e1e07135fff17c359):
  # a declared user is exactly one of normal or system user and has a group (a normal user's
  # defaults to "users"); groups list their members by name without declaring them as users.
  ({ config, lib, ... }: {
    options.users.users = lib.mkOption {
      default = { };
      type = lib.types.attrsOf (lib.types.submodule ({ name, config, ... }: {
        options.name = lib.mkOption { type = lib.types.passwdEntry lib.types.str; default = name; };
        options.uid = lib.mkOption { type = lib.types.nullOr lib.types.int; default = null; };
        options.isSystemUser = lib.mkOption { type = lib.types.bool; default = false; };
        options.isNormalUser = lib.mkOption { type = lib.types.bool; default = false; };
        options.group = lib.mkOption { type = lib.types.str; default = ""; };
        options.extraGroups = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ ]; };
        options.hashedPassword = lib.mkOption {
          type = lib.types.nullOr (lib.types.passwdEntry lib.types.str);
          default = null;
        };
        config = lib.mkIf config.isNormalUser { group = lib.mkDefault "users"; };
      }));
    };
    options.users.groups = lib.mkOption {
      default = { };
      type = lib.types.attrsOf (lib.types.submodule ({ name, ... }: {
        options.name = lib.mkOption { type = lib.types.passwdEntry lib.types.str; default = name; };
        options.gid = lib.mkOption { type = lib.types.nullOr lib.types.int; default = null; };
        options.members = lib.mkOption {
          type = lib.types.listOf (lib.types.passwdEntry lib.types.str);
          default = [ ];
        };
      }));
    };
    config.assertions = lib.concatMap (user: [
      {
        assertion =
          let isEffectivelySystemUser = user.isSystemUser || (user.uid != null && user.uid < 1000 && !user.isNormalUser);
          in lib.xor isEffectivelySystemUser user.isNormalUser;
        message = "Exactly one of users.users.${user.name}.isSystemUser and users.users.${user.name}.isNormalUser must be set.";
      }
      {
        assertion = user.group != "";
        message = "users.users.${user.name}.group is unset.";
      }
    ]) (builtins.attrValues config.users.users);
  })

  # nixos/modules/virtualisation/libvirtd.nix (NixOS/nixpkgs 00f7b4bdb0befccf40d8d93ebd6745d81553ef0f):
  # the libvirtd group (gid 67, nixos/modules/misc/ids.nix), and qemu.ovmf, removed in 25.11.
  ({ config, lib, ... }: {
    imports = [
      (lib.mkRemovedOptionModule [ "virtualisation" "libvirtd" "qemu" "ovmf" ]
        "All OVMF images distributed with QEMU are now available by default.")
    ];
    options.virtualisation.libvirtd.enable = lib.mkEnableOption "libvirtd";
    options.virtualisation.libvirtd.qemu.swtpm.enable = lib.mkEnableOption "swtpm for VMs";
    options.programs.virt-manager.enable = lib.mkEnableOption "virt-manager";
    config = lib.mkIf config.virtualisation.libvirtd.enable { users.groups.libvirtd.gid = 67; };
  })

  # nixos/modules/services/backup/sanoid.nix (NixOS/nixpkgs 00f7b4bdb0befccf40d8d93ebd6745d81553ef0f);
  # simplified: nixpkgs also accepts freeform sanoid settings per dataset.
  ({ lib, ... }: {
    options.services.sanoid.enable = lib.mkEnableOption "sanoid";
    options.services.sanoid.datasets = lib.mkOption {
      default = { };
      type = lib.types.attrsOf (lib.types.submodule {
        options.autosnap = lib.mkOption { type = lib.types.nullOr lib.types.bool; default = null; };
        options.autoprune = lib.mkOption { type = lib.types.nullOr lib.types.bool; default = null; };
        options.hourly = lib.mkOption { type = lib.types.nullOr lib.types.ints.unsigned; default = null; };
        options.daily = lib.mkOption { type = lib.types.nullOr lib.types.ints.unsigned; default = null; };
        options.monthly = lib.mkOption { type = lib.types.nullOr lib.types.ints.unsigned; default = null; };
      });
    };
  })

  # nixos/modules/system/activation/specialisation.nix (NixOS/nixpkgs 00f7b4bdb0befccf40d8d93ebd6745d81553ef0f):
  # each specialisation is the parent's configuration extended by its own module (the harness
  # evaluates it that way); its name becomes a path, so it may not hold a slash.
  ({ config, lib, ... }: {
    options.specialisation = lib.mkOption {
      default = { };
      type = lib.types.attrsOf (lib.types.submodule {
        options.inheritParentConfig = lib.mkOption { type = lib.types.bool; default = true; };
        options.configuration = lib.mkOption { type = lib.types.deferredModule; default = { }; };
      });
    };
    config.assertions = lib.mapAttrsToList (name: _: {
      assertion = !lib.hasInfix "/" name;
      message = "Specialisation names must not contain forward slashes (got: ${name})";
    }) config.specialisation;
  })

  # Options the demo machines' own configuration.nix sets, not Cohabit:
  # nixos/modules/hardware/video/nvidia.nix, nixos/modules/services/x11/xserver.nix,
  # nixos/modules/hardware/cpu/intel-microcode.nix and nixos/modules/hardware/all-firmware.nix (NixOS/nixpkgs 00f7b4bdb0befccf40d8d93ebd6745d81553ef0f).
  ({ lib, ... }: {
    options.hardware.nvidia.open = lib.mkOption { type = lib.types.nullOr lib.types.bool; default = null; };
    options.services.xserver.videoDrivers = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ ]; };
    options.hardware.cpu.intel.updateMicrocode = lib.mkOption { type = lib.types.bool; default = false; };
    options.hardware.enableRedistributableFirmware = lib.mkOption { type = lib.types.bool; default = false; };
  })
]
