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
    };
  };
  boot.loader.grub.device = "nodev";
  fileSystems."/" = { device = "/dev/disk/by-label/nixos"; fsType = "ext4"; };
  system.stateVersion = "24.05";
}
