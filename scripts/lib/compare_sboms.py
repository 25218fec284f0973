"""Compares rensa's JSON SBOM with Trivy's CycloneDX SBOM of the same image (used by scripts/compare-trivy.sh).

Packages are keyed by (ecosystem, name, version); the ecosystem is the purl type, which both tools use.
Names are compared as each ecosystem defines equality (PyPI: PEP 503 normalisation). Prints the packages only
one tool reports, and for deb/rpm/apk packages both report, any difference in architecture or source package.
With --dpkg-root DIR, also compares rensa's deb packages with `dpkg-query --admindir=DIR/var/lib/dpkg`.
Exit status: 0 when the package sets agree, 1 when they differ.
"""

import argparse
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
             "location": props.get("FilePath") or props.get("LayerDiffID", "")})
    return out


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

    only_trivy = sorted(set(trivy) - set(rensa))
    only_rensa = sorted(set(rensa) - set(trivy))
    print(f"  Trivy finds, rensa misses ({len(only_trivy)}):")
    for eco, name, ver in only_trivy:
        locs = sorted({t["location"] for t in trivy[(eco, name, ver)]})
        print(f"    {eco}/{name}@{ver}    [{', '.join(locs)}]")
    print(f"  rensa finds, Trivy misses ({len(only_rensa)}):")
    for eco, name, ver in only_rensa:
        locs = sorted({p.get("location", "") for p in rensa[(eco, name, ver)]})
        print(f"    {eco}/{name}@{ver}    [{', '.join(locs)}]")
    ok = ok and not only_trivy and not only_rensa

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
