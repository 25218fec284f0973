"""Writes and signs an in-toto layout with the reference implementation's Python API.

Used by crates/rensa-trust/tests/in_toto.rs (run with Debian's /usr/bin/python3, which imports the
`in-toto` 1.3.1 package). Arguments are one JSON object on argv[1]:

  {"out": PATH, "owner_key": PATH, "owner_type": TYPE, "expires": "YYYY-MM-DDTHH:MM:SSZ",
   "build": [[TYPE, PUBPATH], ...], "build_threshold": N, "package": [[TYPE, PUBPATH]],
   "inspect": false, "alias_first_build_key": false}

With alias_first_build_key the build step's functionaries are the first build key and the same key
listed again under another keyid (a layout mistake that must not turn one functionary into two).

TYPE is rsa, ed25519 or ecdsa, as `in-toto-keygen -t` wrote the key. Prints the keyids in the order
given, one per line, so that the test can check its own keyid computation.
"""

import json
import sys

from in_toto.models.layout import Inspection, Layout, Step
from in_toto.models.metadata import Metablock
from securesystemslib import interface

args = json.loads(sys.argv[1])


def load(key_type, path):
    return interface.import_publickeys_from_file([path], [key_type])


layout = Layout()
layout.expires = args["expires"]
keyids = {}
for role in ("build", "package"):
    ids = []
    for key_type, path in args[role]:
        (keyid, key), = load(key_type, path).items()
        layout.keys[keyid] = key
        ids.append(keyid)
    keyids[role] = ids

if args.get("alias_first_build_key"):
    first = keyids["build"][0]
    alias = ("f" if first[0] != "f" else "e") + first[1:]
    layout.keys[alias] = dict(layout.keys[first], keyid=alias)
    keyids["build"] = [first, alias]

build = Step(name="build")
build.pubkeys = keyids["build"]
build.threshold = args["build_threshold"]
build.set_expected_command_from_string("sh build.sh")
build.expected_materials = [
    ["DELETE", "src/old.txt"],
    ["ALLOW", "src/*"],
    ["DISALLOW", "*"],
]
build.expected_products = [
    ["REQUIRE", "src/app.bin"],
    ["CREATE", "src/app.bin"],
    ["MODIFY", "src/README"],
    ["MATCH", "main.c", "IN", "src", "WITH", "MATERIALS", "IN", "src", "FROM", "build"],
    ["DISALLOW", "*"],
]

package = Step(name="package")
package.pubkeys = keyids["package"]
package.threshold = 1
package.set_expected_command_from_string("sh package.sh")
package.expected_materials = [
    ["MATCH", "*", "WITH", "PRODUCTS", "FROM", "build"],
    ["DISALLOW", "*"],
]
package.expected_products = [
    ["CREATE", "app.tar.gz"],
    ["ALLOW", "*.sha256"],
    ["DISALLOW", "*"],
]

layout.steps = [build, package]
if args.get("inspect"):
    check = Inspection(name="untar")
    check.set_run_from_string("tar xzf app.tar.gz")
    check.expected_materials = [["MATCH", "app.tar.gz", "WITH", "PRODUCTS", "FROM", "package"]]
    layout.inspect = [check]
layout.validate()

owner = interface.import_privatekey_from_file(args["owner_key"], key_type=args["owner_type"])
metablock = Metablock(signed=layout)
metablock.sign(owner)
metablock.dump(args["out"])
for role in ("build", "package"):
    for keyid in keyids[role]:
        print(keyid)
