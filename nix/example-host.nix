# Example host: core 3 isolated, one USB audio controller passed through.
{ dspguest, ... }:
{
  services.dspagent = {
    enable = true;
    core = 3;
    vfioDevices = [ "0000:03:00.0" ];
    vfioIds = [ "1912:0014" ];
    guest = {
      kernel = "${dspguest.config.system.build.dspguest}/bzImage";
      initrd = "${dspguest.config.system.build.dspguest}/initrd";
      # The NixOS guest's stage 2 and its own parameters
      append = "init=${dspguest.config.system.build.toplevel}/init "
        + toString dspguest.config.boot.kernelParams;
    };
    # The DAW's jackd on this host is the NetJack2 master; the agent loads
    # netmanager into it
    netjack.server = "default";
  };
  boot.loader.grub.device = "nodev";
  fileSystems."/" = { device = "/dev/disk/by-label/nixos"; fsType = "ext4"; };
  system.stateVersion = "24.05";
}
