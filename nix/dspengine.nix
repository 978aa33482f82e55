# The engine, dspstate and dspagent, built with meson.  `agent` is the same
# derivation (dspagent is installed alongside the engine).
{ lib, stdenv, src, meson, ninja, pkg-config, lilv, lv2, jack2, liblo
, libsndfile, libsamplerate, jansson, cmocka, isa-l, faust, clang-tools
, python3 }:

let
  engine = stdenv.mkDerivation {
    pname = "dspengine";
    version = "0.1.0";
    inherit src;
    nativeBuildInputs = [ meson ninja pkg-config faust python3 ];
    buildInputs = [ lilv lv2 jack2 liblo libsndfile libsamplerate jansson
                    cmocka isa-l faust ];
    mesonFlags = [ "-Dbench=false" ];
    doCheck = false; # see checks.tests in flake.nix
    passthru.agent = engine;
    meta = {
      description = "Real-time DSP engine (LV2/Faust effect graphs) under JACK";
      license = lib.licenses.isc;
      platforms = lib.platforms.linux;
      mainProgram = "dspengine";
    };
  };
in
engine
