# Copyright 2026 The dspengine authors
# SPDX-License-Identifier: ISC
#
# awk -v top=N -f cg_self.awk callgrind.out
#
# Self cost (Ir) of a callgrind output file, by ELF object and by function
# within its object.  callgrind_annotate keys functions by "file:function"
# only, so the anonymous functions of stripped plugins ("???:0x...1290" in
# Delay.so and in Stereo.so) are merged there; here they are kept apart.
#
# Prints the `top` largest objects, then the `top` largest functions, as
# "IR PERCENT NAME" lines under "objects:" and "functions:" headings.

function name(s, space,    id, rest) {
  # Compressed names: "(id) name" defines, "(id)" refers
  if (match(s, /^\([0-9]+\)/)) {
    id   = substr(s, 2, RLENGTH - 2)
    rest = substr(s, RLENGTH + 2)
    if (rest != "") names[space, id] = rest
    return names[space, id]
  }
  return s
}

function commas(n,    s, r) {
  s = sprintf("%.0f", n)
  r = ""
  while (length(s) > 3) {
    r = "," substr(s, length(s) - 2) r
    s = substr(s, 1, length(s) - 3)
  }
  return s r
}

function print_top(title, cost,    k, best, bestk, i, done) {
  print "    " title
  for (i = 0; i < top; ++i) {
    best = -1
    for (k in cost) {
      if (!(k in done) && cost[k] > best) { best = cost[k]; bestk = k }
    }
    if (best <= 0) break
    done[bestk] = 1
    printf "      %15s %6.2f%%  %s\n", commas(best), 100 * best / total, bestk
  }
}

/^ob=/    { ob = name(substr($0, 4), "ob"); next }
/^cob=/   { name(substr($0, 5), "ob"); next }
/^fn=/    { fn = name(substr($0, 4), "fn"); next }
/^cfn=/   { name(substr($0, 5), "fn"); next }
/^calls=/ { call = 1; next }   # the next cost line is the callee's inclusive cost
/^[0-9+*-]/ {
  if (call) { call = 0; next }
  o = ob
  sub(/^.*\//, "", o)
  self[o ": " fn] += $2
  obj[o] += $2
  total += $2
  next
}

END {
  if (!top) top = 8
  if (total <= 0) { print "    (nothing counted)"; exit }
  print_top("objects:", obj)
  print_top("functions:", self)
}
