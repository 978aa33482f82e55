# dspengine: packages, NixOS modules for the host (isolated core, VFIO, the
# agent) and the guest (PREEMPT_RT, the engine, kexec resurrection), an
# example host+guest configuration, a devShell and checks.
#
# Only parsed in CI (nix-instantiate --parse): nixpkgs cannot be fetched
# there.  See docs/guest.md, "Nix", for what was and was not evaluated.
{
  description = "dspengine: a real-time DSP engine as a VM coprocessor on an isolated core";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.05";

  outputs = { self, nixpkgs }:
    let
      system = "x86_64-linux";
      pkgs = import nixpkgs { inherit system; overlays = [ self.overlays.default ]; };
    in
    {
      overlays.default = final: prev: {
        dspengine = final.callPackage ./nix/dspengine.nix { src = self; };
        dspagent = final.dspengine.agent;
      };

      packages.${system} = {
        dspengine = pkgs.dspengine;
        dspagent = pkgs.dspagent;
        default = pkgs.dspengine;
        # The guest's kernel + initrd, for the agent's [vm] kernel/initrd
        guest = self.nixosConfigurations.example-guest.config.system.build.dspguest;
      };

      nixosModules = {
        host = import ./nix/host-module.nix;
        guest = import ./guest-image/nixos/guest-module.nix;
      };

      nixosConfigurations = {
        example-host = nixpkgs.lib.nixosSystem {
          inherit system;
          specialArgs = { dspguest = self.nixosConfigurations.example-guest; };
          modules = [
            { nixpkgs.overlays = [ self.overlays.default ]; }
            self.nixosModules.host
            ./nix/example-host.nix
          ];
        };
        example-guest = nixpkgs.lib.nixosSystem {
          inherit system;
          modules = [
            { nixpkgs.overlays = [ self.overlays.default ]; }
            self.nixosModules.guest
            ./guest-image/nixos/example-guest.nix
          ];
        };
      };

      devShells.${system}.default = pkgs.mkShell {
        inputsFrom = [ pkgs.dspengine ];
        packages = with pkgs; [
          clang-tools valgrind qemu kexec-tools busybox cpio kmod zstd
          liblo jack2 python3 nix
        ];
      };

      checks.${system} = {
        # The unit and integration suites that need no VM or JACK daemon
        # quirks run in the build sandbox; the VM suite needs /dev/kvm or
        # a lot of patience under TCG, so it is its own check.
        tests = pkgs.dspengine.overrideAttrs (old: {
          pname = "dspengine-tests";
          doCheck = true;
          checkPhase = ''
            runHook preCheck
            meson test --print-errorlogs --num-processes $NIX_BUILD_CORES \
              --no-suite vm --no-suite nix --no-suite lint
            runHook postCheck
          '';
        });
        formatting = pkgs.runCommand "dspengine-clang-format" {
          nativeBuildInputs = [ pkgs.clang-tools ];
        } ''
          sh ${self}/tests/lint/clang-format.sh ${self} && touch $out
        '';
        nix-parse = pkgs.runCommand "dspengine-nix-parse" {
          nativeBuildInputs = [ pkgs.nix ];
        } ''
          for f in $(find ${self} -name '*.nix'); do
            nix-instantiate --parse "$f" >/dev/null
          done
          touch $out
        '';
      };
    };
}
