# Example guest: the 4-plugin LV2 chain on the passed-through interface.
{ pkgs, ... }:
{
  services.dspguest = {
    graph = ../../graphs/lv2-chain.json;
    period = 64;
  };
  environment.systemPackages = [ pkgs.mda_lv2 ];
}
