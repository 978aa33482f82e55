#!/usr/bin/env python3
# Copyright 2026 The dspengine authors
# SPDX-License-Identifier: ISC

"""Check docs/graph.schema.json against real and known-bad graphs.

Usage: validate.py SCHEMA DOC GRAPHS_DIR

- The schema must itself be a valid draft 2020-12 schema.
- Every GRAPHS_DIR/*.json (globbed now; there may be none) and every
  example in DOC marked as a complete graph (a ```json block right after a
  line `<!-- graph-example -->`) must be accepted, and must pass the
  cross-reference checks a schema cannot express (unique node ids,
  connections naming existing nodes and channels).
- Every known-bad graph below must be rejected by the schema.

Exit status: 0 if all checks pass, 1 otherwise.
"""

import copy
import glob
import json
import os
import re
import sys

try:
    import jsonschema
except ImportError:
    sys.stderr.write(
        "validate.py: error: Python module jsonschema not found "
        "(install python3-jsonschema; see scripts/install-deps.sh)\n"
    )
    sys.exit(1)

EXAMPLE_RE = re.compile(r"<!--\s*graph-example\s*-->\s*\n```json\n(.*?)\n```", re.S)

# A valid graph every bad case is derived from.
BASE = {
    "name": "base",
    "description": "Base graph for known-bad mutations",
    "inputs": ["in"],
    "outputs": ["left", "right"],
    "ramp_ms": 10,
    "nodes": [
        {"id": "trim", "kind": "gain", "channels": 1, "params": {"gain": -6}},
        {"id": "fan", "kind": "split", "outputs": 2},
        {"id": "m", "kind": "mix", "inputs": 2, "params": {"level1": -3}},
        {"id": "s", "kind": "sum"},
        {"id": "verb", "kind": "faust", "effect": "reverb", "params": {"/reverb/decay": 2}},
        {"id": "amb", "kind": "lv2", "uri": "http://drobilla.net/plugins/mda/Ambience"},
    ],
    "connections": [
        {"from": "graph:in", "to": "trim:in0"},
        {"from": "trim:out0", "to": "fan:in0"},
        {"from": "fan:out0", "to": "graph:left"},
        {"from": "fan:out1", "to": "graph:right"},
    ],
}


def mutate(fn):
    graph = copy.deepcopy(BASE)
    fn(graph)
    return graph


def node(graph, node_id):
    return next(n for n in graph["nodes"] if n["id"] == node_id)


# (what is wrong, graph) -- each must be rejected by the schema.
BAD = [
    ("not an object", ["name"]),
    ("unknown top-level key", mutate(lambda g: g.update(sampleRate=48000))),
    ("missing name", mutate(lambda g: g.pop("name"))),
    ("missing inputs", mutate(lambda g: g.pop("inputs"))),
    ("missing outputs", mutate(lambda g: g.pop("outputs"))),
    ("missing nodes", mutate(lambda g: g.pop("nodes"))),
    ("missing connections", mutate(lambda g: g.pop("connections"))),
    ("name with a space", mutate(lambda g: g.update(name="my graph"))),
    ("empty name", mutate(lambda g: g.update(name=""))),
    ("name too long", mutate(lambda g: g.update(name="x" * 129))),
    ("name ending in newline", mutate(lambda g: g.update(name="base\n"))),
    ("description not a string", mutate(lambda g: g.update(description=5))),
    ("inputs not an array", mutate(lambda g: g.update(inputs="in"))),
    ("duplicate channel", mutate(lambda g: g.update(outputs=["left", "left"]))),
    ("bad channel name", mutate(lambda g: g.update(inputs=["in/1"]))),
    ("65 channels", mutate(lambda g: g.update(inputs=["c%d" % i for i in range(65)]))),
    ("ramp_ms negative", mutate(lambda g: g.update(ramp_ms=-1))),
    ("ramp_ms too big", mutate(lambda g: g.update(ramp_ms=10001))),
    ("ramp_ms a string", mutate(lambda g: g.update(ramp_ms="20"))),
    ("257 nodes", mutate(lambda g: g.update(
        nodes=[{"id": "n%d" % i, "kind": "gain"} for i in range(257)]))),
    ("4097 connections", mutate(lambda g: g.update(
        connections=[{"from": "graph:in", "to": "s:in%d" % i} for i in range(4097)]))),
    ("node not an object", mutate(lambda g: g["nodes"].append("gain"))),
    ("node without id", mutate(lambda g: node(g, "trim").pop("id"))),
    ("node without kind", mutate(lambda g: node(g, "trim").pop("kind"))),
    ("reserved node id", mutate(lambda g: node(g, "fan").update(id="graph"))),
    ("node id with a colon", mutate(lambda g: node(g, "fan").update(id="fan:1"))),
    ("unknown kind", mutate(lambda g: node(g, "trim").update(kind="delay"))),
    ("params not an object", mutate(lambda g: node(g, "trim").update(params=[-6]))),
    ("param value a string", mutate(lambda g: node(g, "verb").update(params={"mix": "0.5"}))),
    ("param value null", mutate(lambda g: node(g, "verb").update(params={"mix": None}))),
    ("param value beyond float", mutate(lambda g: node(g, "verb").update(params={"mix": 1e39}))),
    ("empty param name", mutate(lambda g: node(g, "verb").update(params={"": 1}))),
    ("param name too long", mutate(lambda g: node(g, "verb").update(params={"p" * 257: 1}))),
    ("lv2 without uri", mutate(lambda g: node(g, "amb").pop("uri"))),
    ("lv2 uri not a string", mutate(lambda g: node(g, "amb").update(uri=42))),
    ("faust with no source", mutate(lambda g: node(g, "verb").pop("effect"))),
    ("faust with effect and code", mutate(
        lambda g: node(g, "verb").update(code="process = _;"))),
    ("faust with file and code", mutate(
        lambda g: (node(g, "verb").pop("effect"),
                   node(g, "verb").update(file="a.dsp", code="process = _;")))),
    ("faust effect not a string", mutate(lambda g: node(g, "verb").update(effect=1))),
    ("gain channels 0", mutate(lambda g: node(g, "trim").update(channels=0))),
    ("gain channels 65", mutate(lambda g: node(g, "trim").update(channels=65))),
    ("gain channels 1.5", mutate(lambda g: node(g, "trim").update(channels=1.5))),
    ("gain channels a string", mutate(lambda g: node(g, "trim").update(channels="2"))),
    ("gain unknown param", mutate(lambda g: node(g, "trim").update(params={"volume": 0}))),
    ("gain above 24 dB", mutate(lambda g: node(g, "trim").update(params={"gain": 30}))),
    ("gain below -90 dB", mutate(lambda g: node(g, "trim").update(params={"gain": -91}))),
    ("mix level without index", mutate(lambda g: node(g, "m").update(params={"level": 0}))),
    ("mix unknown param", mutate(lambda g: node(g, "m").update(params={"gain": 0}))),
    ("split outputs 0", mutate(lambda g: node(g, "fan").update(outputs=0))),
    ("split with a param", mutate(lambda g: node(g, "fan").update(params={"gain": 0}))),
    ("sum inputs 100", mutate(lambda g: node(g, "s").update(inputs=100))),
    ("sum with a param", mutate(lambda g: node(g, "s").update(params={"level0": 0}))),
    ("connection not an object", mutate(lambda g: g["connections"].append("graph:in"))),
    ("connection without to", mutate(lambda g: g["connections"][0].pop("to"))),
    ("connection without from", mutate(lambda g: g["connections"][0].pop("from"))),
    ("connection with extra key", mutate(lambda g: g["connections"][0].update(gain=1))),
    ("endpoint without colon", mutate(lambda g: g["connections"][0].update(to="trim.in0"))),
    ("endpoint without node", mutate(lambda g: g["connections"][0].update(to=":in0"))),
    ("endpoint without port", mutate(lambda g: g["connections"][0].update(to="trim:"))),
    ("endpoint with a space", mutate(lambda g: g["connections"][0].update(to="trim: in0"))),
    ("endpoint ending in newline", mutate(
        lambda g: g["connections"][0].update(to="trim:in0\n"))),
    ("endpoint not a string", mutate(lambda g: g["connections"][0].update(to=["trim", "in0"]))),
    ("duplicate connection", mutate(
        lambda g: g["connections"].append(dict(g["connections"][0])))),
]


def cross_reference_errors(graph):
    """What dspengine rejects but a schema cannot express."""
    errors = []
    ids = [n.get("id") for n in graph.get("nodes", [])]
    for i, node_id in enumerate(ids):
        if node_id in ids[:i]:
            errors.append("/nodes/%d/id: duplicate node id %r" % (i, node_id))
    for i, conn in enumerate(graph.get("connections", [])):
        for key, channels in (("from", "inputs"), ("to", "outputs")):
            node_id, _, port = conn.get(key, "").partition(":")
            where = "/connections/%d/%s" % (i, key)
            if node_id == "graph":
                if port not in graph.get(channels, []):
                    errors.append("%s: no %s channel %r" % (where, channels[:-1], port))
            elif node_id not in ids:
                errors.append("%s: no node with id %r" % (where, node_id))
    return errors


def describe(error):
    path = "".join("/%s" % p for p in error.absolute_path)
    return "at %s: %s" % (path or "/", error.message[:160])


def best_error(validator, graph):
    """The most relevant error, or None if the graph is valid."""
    error = jsonschema.exceptions.best_match(validator.iter_errors(graph))
    return describe(error) if error else None


def any_error(validator, graph):
    """The first error found (stops early: uniqueItems is quadratic)."""
    error = next(validator.iter_errors(graph), None)
    return describe(error) if error else None


def main(argv):
    if len(argv) != 4:
        sys.stderr.write(__doc__)
        return 1

    schema_path, doc_path, graphs_dir = argv[1:]
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)

    failures = 0

    def fail(message):
        nonlocal failures
        failures += 1
        print("FAIL: " + message)

    # Graphs that must be valid
    good = []
    for path in sorted(glob.glob(os.path.join(graphs_dir, "*.json"))):
        try:
            with open(path, encoding="utf-8") as f:
                good.append((path, json.load(f)))
        except (OSError, ValueError) as e:
            fail("%s: not readable JSON: %s" % (path, e))
    n_files = len(good)

    with open(doc_path, encoding="utf-8") as f:
        doc = f.read()
    examples = EXAMPLE_RE.findall(doc)
    if not examples:
        fail("%s: no ```json block after <!-- graph-example -->" % doc_path)
    for i, text in enumerate(examples):
        where = "%s: graph example %d" % (doc_path, i + 1)
        try:
            good.append((where, json.loads(text)))
        except ValueError as e:
            fail("%s: not valid JSON: %s" % (where, e))

    good.append(("built-in base graph", BASE))
    for where, graph in good:
        error = best_error(validator, graph)
        if error:
            fail("%s: rejected by the schema: %s" % (where, error))
            continue
        for error in cross_reference_errors(graph):
            fail("%s: %s" % (where, error))

    print("accepted: %d file(s) in %s, %d example(s) in %s, base graph"
          % (n_files, graphs_dir, len(examples), doc_path))

    # Graphs that must be rejected
    n_rejected = 0
    for what, graph in BAD:
        error = any_error(validator, graph)
        if error is None:
            fail("known-bad graph accepted by the schema: %s" % what)
        else:
            n_rejected += 1
            print("rejected (%s): %s" % (what, error))
    print("rejected: %d of %d known-bad graphs" % (n_rejected, len(BAD)))

    if failures:
        print("%d failure(s)" % failures)
        return 1
    print("all schema checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
