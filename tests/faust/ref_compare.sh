#!/bin/sh
# SPDX-License-Identifier: ISC
#
# ref_compare.sh SIGGEN WAVCMP REFPROG RENDER WORKDIR NAME MODE SOURCE TOL \
#                [LABEL VALUE]...
#
# Render a deterministic signal through the reference program (the .dsp
# compiled by `faust -lang c` with ref-arch.c) and through the engine's
# "faust" node (MODE "effect": built-in NAME; MODE "file": SOURCE compiled
# by libfaust), then compare them with wavcmp within TOL.
set -eu

siggen=$1 wavcmp=$2 ref=$3 render=$4 work=$5 name=$6 mode=$7 source=$8 tol=$9
shift 9

mkdir -p "$work"
in="$work/$name-$mode-in.wav"
"$siggen" "$in" --channels "${FAUST_CHANNELS:-2}" --seconds 2 --seed 7

params=""
ref_params=""
while [ $# -ge 2 ]; do
  params="$params --param $1 $2"
  ref_params="$ref_params $1 $2"
  shift 2
done

"$ref" "$in" "$work/$name-$mode-ref.wav" $ref_params

if [ "$mode" = effect ]; then
  "$render" --effect "$name" --input "$in" --output "$work/$name-$mode.wav" \
    --blocks 64,37,256,1,500,128 $params
else
  "$render" --file "$source" --input "$in" --output "$work/$name-$mode.wav" \
    --blocks 64,37,256,1,500,128 --cache "$work/cache" $params
fi

"$wavcmp" "$work/$name-$mode-ref.wav" "$work/$name-$mode.wav" --tol "$tol"
