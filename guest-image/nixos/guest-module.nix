# Guest side: a minimal NixOS running only the engine, on PREEMPT_RT, with
# its state on the ivshmem region and kexec resurrection.  It follows the
# same kernel command line as the Debian test guest (guest-image/init), so
# that dspagent's config drives both (docs/agent.md, docs/guest.md):
#  - dspguest.osc_port=P: the engine's OSC port;
#  - dspguest.netjack=MASTER:PORT (+ _name, _channels, _latency): jackd runs
#    NetJack2's net driver as a slave of the host's jackd instead of
#    `jackDriver`, and dspguest-jackwire keeps the engine wired to its ports;
#  - dspengine.service (Restart=always, hardened like
#    systemd/dspengine.service) with --state on the ivshmem BAR and
#    --resume always: the region's checkpoint wins over --graph;
#  - dspguest-kexec-load.service loads the kernel and initrd for kexec (-l)
#    and as the panic kernel (-p, crashkernel=) at boot, at nice 19, from
#    dspagent's read-only boot disks (serials dspkernel, dspinitrd) when
#    present, else from the store;
#  - when the engine fails too often (StartLimitBurst) systemd runs
#    dspguest-kexec.service (OnFailure=), which kexecs into a fresh kernel;
#    a kernel panic boots the panic kernel directly.
# Builds config.system.build.dspguest = { bzImage, initrd, cmdline } for the
# agent.
{ config, lib, pkgs, ... }:

let
  cfg = config.services.dspguest;
  kernel = config.boot.kernelPackages.kernel;
  kernelImage = "${kernel}/${pkgs.stdenv.hostPlatform.linux-kernel.target}";
  initrd = "${config.system.build.initialRamdisk}/${config.system.boot.loader.initrdFile}";
  # The value of dspguest.NAME= on the kernel command line, or $2
  argFn = ''
    arg() {
      v=$(tr ' ' '\n' </proc/cmdline | sed -n "s/^dspguest\.$1=//p" | tail -1)
      echo "''${v:-$2}"
    }
  '';
  # Runs as root ("+" in ExecStartPre): links the ivshmem BAR and gives it
  # to the engine's user
  findState = pkgs.writeShellScript "dspguest-find-state" ''
    for d in /sys/bus/pci/devices/*; do
      if [ "$(cat $d/vendor)" = 0x1af4 ] && [ "$(cat $d/device)" = 0x1110 ]; then
        chown dspengine:dspengine $d/resource2
        ln -sf $d/resource2 /run/dspguest/state
      fi
    done
  '';
  # The hardening of systemd/dspengine.service (docs/service.md), minus what
  # the guest's engine needs: the ivshmem BAR in /sys, and jackd's sound
  # card (jackd only)
  hardening = {
    User = "dspengine";
    Group = "dspengine";
    RemoveIPC = false;
    LimitRTPRIO = 95;
    LimitMEMLOCK = "infinity";
    ProtectSystem = "strict";
    ProtectHome = true;
    PrivateTmp = true;
    NoNewPrivileges = true;
    CapabilityBoundingSet = "";
    RestrictSUIDSGID = true;
    RestrictNamespaces = true;
    LockPersonality = true;
    ProtectKernelModules = true;
    ProtectKernelLogs = true;
    ProtectControlGroups = true;
    ProtectClock = true;
    ProtectHostname = true;
    SystemCallArchitectures = "native";
    SystemCallFilter = [ "@system-service" "~@privileged" ];
    SystemCallErrorNumber = "EPERM";
    RestrictAddressFamilies = [ "AF_UNIX" "AF_INET" "AF_INET6" "AF_NETLINK" ];
  };
  # jackd: NetJack2 slave of the host's master when dspagent says so
  # ([audio] netjack), else the configured driver (the VFIO interface)
  jackdStart = pkgs.writeShellScript "dspguest-jackd" ''
    export PATH=${lib.makeBinPath [ pkgs.coreutils pkgs.gnused ]}
    ${argFn}
    netjack=$(arg netjack "")
    if [ -n "$netjack" ]; then
      ch=$(arg netjack_channels 2)
      exec ${pkgs.jack2}/bin/jackd -R -P 90 -d net -a "''${netjack%:*}" \
        -p "''${netjack##*:}" -C "$ch" -P "$ch" -n "$(arg netjack_name dspguest)" \
        -l "$(arg netjack_latency 2)"
    fi
    exec ${lib.escapeShellArgs ([ "${pkgs.jack2}/bin/jackd" "-R" "-P" "90" ]
      ++ cfg.jackDriver ++ [ "-p" (toString cfg.period) ])}
  '';
  engineStart = pkgs.writeShellScript "dspguest-engine" ''
    export PATH=${lib.makeBinPath [ pkgs.coreutils pkgs.gnused ]}
    ${argFn}
    exec ${cfg.package}/bin/dspengine --graph ${cfg.graph} --name dspengine \
      --state /run/dspguest/state --resume always \
      --osc-port "$(arg osc_port ${toString cfg.oscPort})" --osc-bind 0.0.0.0
  '';
  kexecLoad = pkgs.writeShellScript "dspguest-kexec-load" ''
    export PATH=${lib.makeBinPath [ pkgs.coreutils pkgs.gnused pkgs.gnugrep pkgs.kexec-tools ]}
    disk() { # /dev/vdX of the virtio disk whose serial is $1
      for f in /sys/block/vd*/serial; do
        [ "$(cat "$f" 2>/dev/null)" = "$1" ] || continue
        f=''${f%/serial}; echo "/dev/''${f##*/}"; return 0
      done
      return 1
    }
    kernel=${kernelImage}
    img=${initrd}
    # dspagent's boot disks: exactly what QEMU booted (sector-padded;
    # trailing zeros are harmless for bzImage and skipped in an initrd)
    if k=$(disk dspkernel) && i=$(disk dspinitrd); then
      cat "$k" >/run/dspguest/vmlinuz && kernel=/run/dspguest/vmlinuz
      cat "$i" >/run/dspguest/initrd && img=/run/dspguest/initrd
    fi
    cmdline=$(tr ' ' '\n' </proc/cmdline | grep -v -e '^init=' -e '^dspguest\.boot=' -e '^$' | tr '\n' ' ')
    crash=$(echo "$cmdline" | tr ' ' '\n' | sed -n 's/^crashkernel=//p' | tail -1)
    saved=$(echo "$cmdline" | tr ' ' '\n' | sed -n 's/^dspguest\.crashkernel=//p' | tail -1)
    if [ -z "$crash" ] && [ -n "$saved" ]; then
      # Booted as the panic kernel: the next kernel gets the reservation back
      cmdline="$(echo "$cmdline" | sed 's/ *dspguest\.crashkernel=[^ ]*//g') crashkernel=$saved"
    fi
    cmdline="init=${config.system.build.toplevel}/init $cmdline"
    kexec -l -i "$kernel" --initrd="$img" --command-line="$cmdline dspguest.boot=kexec" ||
      kexec -s -l "$kernel" --initrd="$img" --command-line="$cmdline dspguest.boot=kexec"
    if [ "$(cat /sys/kernel/kexec_crash_size)" -gt 0 ]; then
      kexec -s -p "$kernel" --initrd="$img" --command-line="$(echo "$cmdline" |
        sed 's/ *crashkernel=[^ ]*//g') dspguest.crashkernel=''${crash:-$saved} dspguest.boot=crash reset_devices"
    fi
  '';
in
{
  options.services.dspguest = {
    enable = lib.mkEnableOption "the dspengine guest" // { default = true; };
    package = lib.mkOption { type = lib.types.package; default = pkgs.dspengine; };
    graph = lib.mkOption {
      type = lib.types.path;
      description = "Graph the engine starts with (a checkpoint in the region wins).";
    };
    oscPort = lib.mkOption {
      type = lib.types.port;
      default = 9000;
      description = "OSC port unless the command line has dspguest.osc_port= (dspagent sets it).";
    };
    period = lib.mkOption { type = lib.types.ints.positive; default = 128; };
    jackDriver = lib.mkOption {
      type = lib.types.listOf lib.types.str;
      default = [ "-d" "alsa" "-d" "hw:0" "-r" "48000" ];
      description = ''
        jackd driver arguments when the command line has no dspguest.netjack=
        (dspagent's [audio] netjack = false): the VFIO interface (ALSA).
        With dspguest.netjack=MASTER:PORT jackd runs NetJack2's net driver
        as a slave of the host's jackd instead.
      '';
    };
  };

  config = lib.mkIf cfg.enable {
    boot.kernelPackages = pkgs.linuxPackages-rt_latest;
    boot.kernelParams = [ "console=ttyS0" "quiet" "crashkernel=256M" "threadirqs" "panic=1" ];
    boot.initrd.availableKernelModules = [ "virtio_pci" "virtio_net" "virtio_blk" "pvpanic_pci" "pvpanic_mmio" ];
    boot.loader.grub.enable = false;
    boot.kernel.sysctl."kernel.sysrq" = 1;
    fileSystems."/" = { device = "none"; fsType = "tmpfs"; options = [ "mode=755" ]; };

    # Minimal system
    documentation.enable = false;
    environment.defaultPackages = [ ];
    programs.command-not-found.enable = false;
    services.udisks2.enable = false;
    security.polkit.enable = false;
    networking.useDHCP = false;
    networking.interfaces.eth0.ipv4.addresses = [ { address = "10.0.2.15"; prefixLength = 24; } ];
    networking.defaultGateway = "10.0.2.2";
    # OSC in; NetJack2 needs nothing open (the slave sends first, the
    # master's replies are related traffic)
    networking.firewall.allowedUDPPorts = [ cfg.oscPort ];
    environment.systemPackages = [ cfg.package pkgs.kexec-tools pkgs.jack2 ];
    security.pam.loginLimits = [
      { domain = "@audio"; item = "rtprio"; type = "-"; value = "95"; }
      { domain = "@audio"; item = "memlock"; type = "-"; value = "unlimited"; }
    ];

    # One user for jackd and the engine: a JACK client reaches only the
    # server of its own uid
    users.users.dspengine = { isSystemUser = true; group = "dspengine"; extraGroups = [ "audio" ]; };
    users.groups.dspengine = { };
    systemd.tmpfiles.rules = [ "d /run/dspguest 0755 root root -" ];

    systemd.services.jackd = {
      wantedBy = [ "multi-user.target" ];
      after = [ "network-online.target" ];
      wants = [ "network-online.target" ];
      serviceConfig = {
        ExecStart = "${jackdStart}";
        Restart = "always";
        # The sound card (VFIO) or NetJack2; ALSA looks devices up over netlink
        ReadWritePaths = [ "/dev/shm" ];
        DevicePolicy = "closed";
        DeviceAllow = [ "char-alsa rw" ];
        SupplementaryGroups = [ "audio" ];
        ProtectKernelTunables = true;
        MemoryDenyWriteExecute = true;
      } // hardening;
      environment.JACK_NO_AUDIO_RESERVATION = "1";
    };

    # NetJack2's system:capture_N/playback_N exist only while the host's
    # master is there: wire the engine to them whenever they (re)appear
    systemd.services.dspguest-jackwire = {
      description = "Keep the engine wired to NetJack2's ports";
      wantedBy = [ "multi-user.target" ];
      after = [ "jackd.service" ];
      requires = [ "jackd.service" ];
      unitConfig.ConditionKernelCommandLine = "dspguest.netjack";
      serviceConfig = {
        ExecStart = "${cfg.package}/bin/dspguest-jackwire dspengine";
        Restart = "always";
        RestartSec = "1s";
      };
      environment.JACK_NO_START_SERVER = "1";
    };

    systemd.services.dspengine = {
      wantedBy = [ "multi-user.target" ];
      after = [ "jackd.service" "network-online.target" ];
      requires = [ "jackd.service" ];
      # Three failures in 30 s: give up on this kernel and kexec
      unitConfig = {
        StartLimitIntervalSec = 30;
        StartLimitBurst = 3;
        OnFailure = [ "dspguest-kexec.service" ];
      };
      serviceConfig = {
        ExecStartPre = "+${findState}";
        ExecStart = "${engineStart}";
        Restart = "always";
        RestartSec = "100ms";
        # The state region is the ivshmem BAR's resource2 file in /sys, which
        # ProtectSystem=strict leaves writable; ProtectKernelTunables= would
        # make /sys read-only, so it is not set here
        ReadWritePaths = [ "/dev/shm" ];
        CacheDirectory = "dspengine";
        PrivateDevices = true;
        # Not RestrictRealtime (SCHED_FIFO) nor MemoryDenyWriteExecute (the
        # Faust JIT); OSC from the host arrives over the virtual network
      } // hardening;
      environment = {
        LV2_PATH = "/run/current-system/sw/lib/lv2";
        DSP_FAUST_CACHE = "/var/cache/dspengine";
        JACK_NO_START_SERVER = "1";
      };
    };

    systemd.services.dspguest-kexec-load = {
      description = "Load the running kernel for kexec and as the panic kernel";
      wantedBy = [ "multi-user.target" ];
      after = [ "dspengine.service" ];
      serviceConfig = {
        Type = "oneshot";
        RemainAfterExit = true;
        # Seconds of CPU under emulation: jackd (a NetJack2 slave answers
        # every period) and the engine come first
        Nice = 19;
        ExecStart = "${kexecLoad}";
      };
    };

    systemd.services.dspguest-kexec = {
      description = "Crash path: kexec into a fresh kernel";
      serviceConfig = {
        Type = "oneshot";
        ExecStart = "${pkgs.kexec-tools}/bin/kexec -e";
      };
    };

    system.build.dspguest = pkgs.runCommand "dspguest-boot" { } ''
      mkdir -p $out
      ln -s ${kernelImage} $out/bzImage
      ln -s ${initrd} $out/initrd
      echo "init=${config.system.build.toplevel}/init ${toString config.boot.kernelParams}" > $out/cmdline
    '';
    system.stateVersion = "24.05";
  };
}
