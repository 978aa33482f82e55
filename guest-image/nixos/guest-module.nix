# Guest side: a minimal NixOS running only the engine, on PREEMPT_RT, with
# its state on the ivshmem region and kexec resurrection:
#  - dspengine.service (Restart=always, hardened like systemd/dspengine.service)
#    with --state on the ivshmem BAR;
#  - dspguest-kexec-load.service loads the running kernel for kexec (-l) and
#    as the panic kernel (-p, crashkernel=) at boot;
#  - when the engine fails too often (StartLimitBurst) systemd runs
#    dspguest-kexec.service (OnFailure=), which kexecs into a fresh kernel;
#    a kernel panic boots the panic kernel directly.
# Builds config.system.build.dspguest = { bzImage, initrd } for the agent.
{ config, lib, pkgs, ... }:

let
  cfg = config.services.dspguest;
  kernel = config.boot.kernelPackages.kernel;
  kernelImage = "${kernel}/${pkgs.stdenv.hostPlatform.linux-kernel.target}";
  initrd = "${config.system.build.initialRamdisk}/${config.system.boot.loader.initrdFile}";
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
in
{
  options.services.dspguest = {
    enable = lib.mkEnableOption "the dspengine guest" // { default = true; };
    package = lib.mkOption { type = lib.types.package; default = pkgs.dspengine; };
    graph = lib.mkOption {
      type = lib.types.path;
      description = "Graph the engine starts with (a checkpoint in the region wins).";
    };
    oscPort = lib.mkOption { type = lib.types.port; default = 9000; };
    period = lib.mkOption { type = lib.types.ints.positive; default = 128; };
    jackDriver = lib.mkOption {
      type = lib.types.listOf lib.types.str;
      default = [ "-d" "alsa" "-d" "hw:0" "-r" "48000" ];
      description = ''
        jackd driver arguments: the VFIO interface (ALSA), or NetJack2
        (`-d net`) to take audio from the host's DAW over the virtual network.
      '';
    };
  };

  config = lib.mkIf cfg.enable {
    boot.kernelPackages = pkgs.linuxPackages-rt_latest;
    boot.kernelParams = [ "console=ttyS0" "quiet" "crashkernel=256M" "threadirqs" "panic=1" ];
    boot.initrd.availableKernelModules = [ "virtio_pci" "virtio_net" "pvpanic_pci" "pvpanic_mmio" ];
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
    networking.firewall.allowedUDPPorts = [ cfg.oscPort 4713 ];
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
      serviceConfig = {
        ExecStart = lib.escapeShellArgs ([ "${pkgs.jack2}/bin/jackd" "-R" "-P" "90" ]
          ++ cfg.jackDriver ++ [ "-p" (toString cfg.period) ]);
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
        ExecStart = lib.escapeShellArgs [
          "${cfg.package}/bin/dspengine" "--graph" "${cfg.graph}"
          "--state" "/run/dspguest/state"
          "--osc-port" (toString cfg.oscPort) "--osc-bind" "0.0.0.0"
        ];
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
      environment.LV2_PATH = "/run/current-system/sw/lib/lv2";
      environment.DSP_FAUST_CACHE = "/var/cache/dspengine";
    };

    systemd.services.dspguest-kexec-load = {
      description = "Load the running kernel for kexec and as the panic kernel";
      wantedBy = [ "multi-user.target" ];
      after = [ "dspengine.service" ];
      serviceConfig = {
        Type = "oneshot";
        RemainAfterExit = true;
        ExecStart = pkgs.writeShellScript "dspguest-kexec-load" ''
          cmdline="init=${config.system.build.toplevel}/init $(tr ' ' '\n' </proc/cmdline | grep -v '^init=' | tr '\n' ' ')"
          ${pkgs.kexec-tools}/bin/kexec -s -l ${kernelImage} --initrd=${initrd} --command-line="$cmdline"
          if [ "$(cat /sys/kernel/kexec_crash_size)" -gt 0 ]; then
            ${pkgs.kexec-tools}/bin/kexec -s -p ${kernelImage} --initrd=${initrd} \
              --command-line="$(echo "$cmdline" | sed 's/crashkernel=[^ ]*//') reset_devices"
          fi
        '';
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
