# Host side: isolate a core for the guest's vCPU, bind the audio interface
# to vfio-pci, reserve hugepages, and run dspagent as a service.
{ config, lib, pkgs, ... }:

let
  cfg = config.services.dspagent;
  core = toString cfg.core;
  agentConf = pkgs.writeText "dspagent.conf" ''
    [vm]
    qemu = ${pkgs.qemu_kvm}/bin/qemu-system-x86_64
    accel = ${cfg.accel}
    kernel = ${cfg.guest.kernel}
    initrd = ${cfg.guest.initrd}
    append = ${cfg.guest.append}
    boot_disks = ${lib.boolToString cfg.guest.bootDisks}
    memory = ${toString cfg.memoryMiB}
    core = ${core}
    fifo_priority = ${toString cfg.fifoPriority}
    ${lib.concatMapStrings (d: "vfio = ${d}\n") cfg.vfioDevices}
    run_dir = /run/dspagent
    console_log = /var/log/dspagent/console.log
    [state]
    file = ${cfg.stateFile}
    size = ${cfg.stateSize}
    [osc]
    guest_port = ${toString cfg.osc.guestPort}
    forward_port = ${toString cfg.osc.forwardPort}
    listen = ${cfg.osc.listen}
    ${lib.optionalString (cfg.osc.allow != [ ]) "allow = ${lib.concatStringsSep ", " cfg.osc.allow}"}
    [health]
    mode = osc
    [restart]
    policy = always
    [audio]
    netjack = ${lib.boolToString cfg.netjack.enable}
    netjack_port = ${toString cfg.netjack.port}
    netjack_name = ${cfg.netjack.name}
    netjack_channels = ${toString cfg.netjack.channels}
    netjack_latency = ${toString cfg.netjack.latency}
    netjack_load_manager = ${lib.boolToString (cfg.netjack.enable && cfg.netjack.loadManager)}
    ${lib.optionalString (cfg.netjack.server != null) "netjack_server = ${cfg.netjack.server}"}
  '';
in
{
  options.services.dspagent = {
    enable = lib.mkEnableOption "the dspengine guest VM on an isolated core";
    package = lib.mkOption {
      type = lib.types.package;
      default = pkgs.dspagent;
      description = "Package providing bin/dspagent.";
    };
    core = lib.mkOption {
      type = lib.types.ints.unsigned;
      default = 3;
      description = "Host CPU isolated for the guest's single vCPU.";
    };
    accel = lib.mkOption {
      type = lib.types.enum [ "auto" "kvm" "tcg" ];
      default = "auto";
    };
    memoryMiB = lib.mkOption { type = lib.types.ints.positive; default = 1024; };
    fifoPriority = lib.mkOption { type = lib.types.ints.between 0 99; default = 80; };
    hugepages = lib.mkOption {
      type = lib.types.ints.unsigned;
      default = 512;
      description = "2 MiB hugepages to reserve (guest RAM).";
    };
    vfioDevices = lib.mkOption {
      type = lib.types.listOf lib.types.str;
      default = [ ];
      example = [ "0000:03:00.0" ];
      description = "PCI addresses passed through to the guest.";
    };
    vfioIds = lib.mkOption {
      type = lib.types.listOf lib.types.str;
      default = [ ];
      example = [ "1102:0012" ];
      description = "vendor:device ids bound to vfio-pci at boot.";
    };
    stateFile = lib.mkOption { type = lib.types.str; default = "/dev/shm/dspengine-state"; };
    stateSize = lib.mkOption { type = lib.types.str; default = "16M"; };
    netjack = {
      enable = lib.mkOption {
        type = lib.types.bool;
        default = true;
        description = "The guest's jackd is a NetJack2 slave of the host's jackd ([audio] netjack).";
      };
      port = lib.mkOption { type = lib.types.port; default = 4713; };
      name = lib.mkOption {
        type = lib.types.str;
        default = "dspguest";
        description = "The session's client name on the host (NAME:to_slave_N, NAME:from_slave_N).";
      };
      channels = lib.mkOption { type = lib.types.ints.between 1 64; default = 2; };
      latency = lib.mkOption { type = lib.types.ints.between 0 10; default = 2; };
      loadManager = lib.mkOption {
        type = lib.types.bool;
        default = true;
        description = ''
          The agent loads NetJack2's netmanager into the host's jackd
          (netjack_load_manager) and leaves it loaded when it exits.  The
          agent must see that server: JACK2 keeps servers per user, so run
          the agent as the jackd's user or both with JACK_PROMISCUOUS_SERVER.
        '';
      };
      server = lib.mkOption {
        type = lib.types.nullOr lib.types.str;
        default = null;
        description = "The host's JACK server name (jackd -n); null = libjack's default.";
      };
    };
    osc = {
      guestPort = lib.mkOption { type = lib.types.port; default = 9000; };
      forwardPort = lib.mkOption { type = lib.types.port; default = 19000; };
      listen = lib.mkOption { type = lib.types.str; default = "127.0.0.1:9000"; };
      allow = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ ]; };
    };
    guest = {
      kernel = lib.mkOption { type = lib.types.path; };
      initrd = lib.mkOption { type = lib.types.path; };
      append = lib.mkOption {
        type = lib.types.str;
        default = "console=ttyS0 quiet crashkernel=256M";
        description = "Kernel command line (a NixOS guest needs its init=, see example-host.nix).";
      };
      bootDisks = lib.mkOption {
        type = lib.types.bool;
        default = true;
        description = "Attach kernel and initrd as read-only virtio disks too, for the guest's kexec ([vm] boot_disks).";
      };
    };
  };

  config = lib.mkIf cfg.enable {
    boot.kernelParams = [
      "isolcpus=${core}"
      "nohz_full=${core}"
      "rcu_nocbs=${core}"
      "irqaffinity=0"
      "threadirqs"
      "intel_iommu=on"
      "iommu=pt"
      "hugepagesz=2M"
      "hugepages=${toString cfg.hugepages}"
    ] ++ lib.optional (cfg.vfioIds != [ ]) "vfio-pci.ids=${lib.concatStringsSep "," cfg.vfioIds}";
    boot.initrd.kernelModules = [ "vfio_pci" "vfio" "vfio_iommu_type1" ];
    boot.kernelModules = [ "kvm-intel" "kvm-amd" ];
    powerManagement.cpuFreqGovernor = "performance";

    systemd.services.dspagent = {
      description = "dspengine guest VM on CPU ${core}";
      wantedBy = [ "multi-user.target" ];
      after = [ "network.target" ];
      serviceConfig = {
        ExecStart = "${cfg.package}/bin/dspagent run -c ${agentConf}";
        Restart = "always";
        RuntimeDirectory = "dspagent";
        LogsDirectory = "dspagent";
        LimitMEMLOCK = "infinity";
        LimitRTPRIO = 99;
        # The agent itself stays off the isolated core
        CPUAffinity = "0";
        # Hardening (docs/service.md).  The agent stays root: it opens
        # /dev/kvm and /dev/vfio, pins QEMU's vCPU thread and gives it
        # SCHED_FIFO.  No SystemCallFilter= or MemoryDenyWriteExecute=: QEMU
        # (a TCG JIT, VFIO, KVM ioctls) runs under this unit too.
        RemoveIPC = false;
        ProtectSystem = "strict";
        ReadWritePaths = [ (builtins.dirOf cfg.stateFile) "/dev/hugepages" ];
        ProtectHome = true;
        PrivateTmp = true;
        NoNewPrivileges = true;
        ProtectKernelModules = true;
        ProtectKernelLogs = true;
        ProtectControlGroups = true;
        ProtectClock = true;
        ProtectHostname = true;
        RestrictSUIDSGID = true;
        LockPersonality = true;
        RestrictAddressFamilies = [ "AF_UNIX" "AF_INET" "AF_INET6" "AF_NETLINK" ];
      };
    };
    environment.systemPackages = [ cfg.package ];
  };
}
