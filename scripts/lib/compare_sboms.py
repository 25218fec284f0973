"""Compares rensa's JSON SBOM with Trivy's CycloneDX SBOM of the same image (used by scripts/compare-trivy.sh).

Packages are keyed by (ecosystem, name, version); the ecosystem is the purl type, which both tools use.
Names are compared as each ecosystem defines equality (PyPI: PEP 503 normalisation). Prints the packages only
one tool reports, and for deb/rpm/apk packages both report, any difference in architecture or source package.
With --dpkg-root DIR, also compares rensa's deb packages with `dpkg-query --admindir=DIR/var/lib/dpkg`.
Exit status: 0 when the package sets agree, 1 when they differ.
"""

import argparse
import fnmatch
import collections
import json
import re
import subprocess
import sys
from urllib.parse import unquote


def norm_name(eco, name):
    if eco == "pypi":
        return re.sub(r"[-_.]+", "-", name).lower()
    return name


def trivy_packages(path):
    bom = json.load(open(path, encoding="utf-8"))
    out = {}
    # Trivy names the file a language package came from as an "application" component that depends on it.
    apps = {c["bom-ref"]: "/" + c["name"] for c in bom.get("components", []) if c.get("type") == "application"}
    file_of = {}
    for d in bom.get("dependencies", []):
        if d["ref"] in apps:
            for ref in d.get("dependsOn", []):
                file_of[ref] = apps[d["ref"]]
    for c in bom.get("components", []):
        purl = c.get("purl")
        if not purl:
            continue  # the operating system itself
        eco = purl[len("pkg:"):].split("/", 1)[0]
        group, name = c.get("group"), c["name"]
        if group:
            name = f"{group}:{name}" if eco == "maven" else f"{group}/{name}"
        props = {p["name"].removeprefix("aquasecurity:trivy:"): p["value"] for p in c.get("properties", [])}
        src_version = None
        if "SrcVersion" in props:
            src_version = props["SrcVersion"]
            if props.get("SrcRelease"):
                src_version += "-" + props["SrcRelease"]
            if props.get("SrcEpoch") not in (None, "", "0"):
                src_version = props["SrcEpoch"] + ":" + src_version
        arch = None
        m = re.search(r"[?&]arch=([^&#]+)", purl)
        if m:
            arch = unquote(m.group(1))
        key = (eco, norm_name(eco, name), c.get("version", ""))
        out.setdefault(key, []).append(
            {"arch": arch, "source_name": props.get("SrcName"), "source_version": src_version,
             "location": props.get("FilePath") or file_of.get(c.get("bom-ref")) or props.get("LayerDiffID", "")})
    return out


def known_differences(path):
    rules = []
    if path:
        for line in open(path, encoding="utf-8"):
            line = line.strip()
            if line and not line.startswith("#"):
                side, eco, pattern, reason = line.split(None, 3)
                rules.append((side, eco, pattern, reason))
    return rules


def documented(rules, side, eco, name):
    for s, e, pattern, reason in rules:
        if s == side and e == eco and fnmatch.fnmatchcase(name, pattern):
            return reason
    return None


def rensa_packages(path):
    sbom = json.load(open(path, encoding="utf-8"))
    out = {}
    for p in sbom["packages"]:
        eco = p["ecosystem"]
        key = (eco, norm_name(eco, p["name"]), p["version"])
        out.setdefault(key, []).append(p)
    return sbom, out


def dpkg_oracle(root):
    fmt = "${db:Status-Status}\t${Package}\t${Version}\t${Architecture}\t${source:Package}\t${source:Version}\n"
    res = subprocess.run(["dpkg-query", f"--admindir={root}/var/lib/dpkg", "-W", "-f=" + fmt],
                         check=True, capture_output=True, text=True)
    rows = set()
    for line in res.stdout.splitlines():
        status, *rest = line.split("\t")
        if status == "installed":
            rows.add(tuple(rest))
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("rensa_json")
    ap.add_argument("trivy_cyclonedx")
    ap.add_argument("--dpkg-root")
    ap.add_argument("--known", help="file of documented differences")
    args = ap.parse_args()

    sbom, rensa = rensa_packages(args.rensa_json)
    trivy = trivy_packages(args.trivy_cyclonedx)
    ok = True

    counts = collections.Counter()
    for key, v in rensa.items():
        counts[(key[0], "rensa")] += len(v)
    for key, v in trivy.items():
        counts[(key[0], "trivy")] += len(v)
    ecos = sorted({e for e, _ in counts})
    print("  packages per ecosystem:  " + ", ".join(
        f"{e} rensa {counts[(e, 'rensa')]} / trivy {counts[(e, 'trivy')]}" for e in ecos) if ecos else "  no packages")

    rules = known_differences(args.known)
    only_trivy = sorted(set(trivy) - set(rensa))
    only_rensa = sorted(set(rensa) - set(trivy))
    undocumented = 0
    for title, side, keys, table, loc in (
        ("Trivy finds, rensa misses", "trivy-only", only_trivy, trivy, lambda p: p["location"]),
        ("rensa finds, Trivy misses", "rensa-only", only_rensa, rensa, lambda p: p.get("location", "")),
    ):
        print(f"  {title} ({len(keys)}):")
        for eco, name, ver in keys:
            locs = ", ".join(sorted({loc(p) for p in table[(eco, name, ver)]}))
            reason = documented(rules, side, eco, name)
            note = f"\n        documented: {reason}" if reason else ""
            undocumented += reason is None
            print(f"    {eco}/{name}@{ver}    [{locs}]{note}")
    ok = ok and undocumented == 0

    dupes = [(k, len(rensa[k]), len(trivy[k])) for k in sorted(set(rensa) & set(trivy)) if len(rensa[k]) != len(trivy[k])]
    if dupes:
        print(f"  reported a different number of times ({len(dupes)}):")
        for (eco, name, ver), r, t in dupes:
            print(f"    {eco}/{name}@{ver}: rensa {r}, trivy {t}")

    diffs = []
    for key in sorted(set(rensa) & set(trivy)):
        if key[0] not in ("deb", "rpm", "apk"):
            continue
        r, t = rensa[key][0], trivy[key][0]
        for field in ("arch", "source_name", "source_version"):
            rv, tv = r.get(field), t.get(field)
            if field != "arch" and rv is None:
                rv = key[1] if field == "source_name" else key[2]
            if tv is not None and rv != tv:
                diffs.append(f"    {key[0]}/{key[1]}@{key[2]}: {field} rensa {rv!r}, trivy {tv!r}")
    print(f"  OS packages both find, with a different arch or source ({len(diffs)}):")
    print("\n".join(diffs) if diffs else "", end="\n" if diffs else "")

    if args.dpkg_root:
        oracle = dpkg_oracle(args.dpkg_root)
        mine = set()
        for (eco, _, _), ps in rensa.items():
            if eco != "deb":
                continue
            for p in ps:
                mine.add((p["name"], p["version"], p.get("arch") or "",
                          p.get("source_name") or p["name"], p.get("source_version") or p["version"]))
        missing, extra = sorted(oracle - mine), sorted(mine - oracle)
        verdict = "EQUAL" if not missing and not extra else "DIFFERENT"
        print(f"  deb (name, version, arch, source, source version) vs dpkg-query on {args.dpkg_root}: "
              f"{verdict} ({len(oracle)} installed per dpkg)")
        for row in missing:
            print(f"    dpkg has, rensa lacks: {row}")
        for row in extra:
            print(f"    rensa has, dpkg lacks: {row}")
        ok = ok and verdict == "EQUAL"
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
