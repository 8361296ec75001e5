#!/usr/bin/env bash
# Quire through FUSE against the local disk and a FUSE passthrough, measured side by side in one
# run: (1) a plain directory on the local disk, (2) a bindfs passthrough of another plain directory
# (bindfs with default options: the FUSE reference), (3) a Quire mount of an R=3/W=2 volume on three
# `quire server` processes on this machine. fio (JSON output) for the I/O figures, a small python3
# program for metadata and small files. Prints one row per metric with the quire/bindfs ratio and
# the target from DESIGN.md, plus the Quire mount daemon's peak RSS (VmHWM).
#   tests/bench/fs.sh [SIZE] [--json FILE] [--only plain,bindfs,quire] [--tests LIST]
#                                   SIZE of the sequential file (default 1G, or $SIZE); 256M is a
#                                   quick run. The random-I/O file is min(SIZE, 256M). --tests runs
#                                   some of seq_write,seq_read,rand_write,rand_read,fsync,meta,small
#                                   (e.g. --tests meta,small to compare metadata rows quickly).
#   tests/bench/fs.sh rss [SIZE] [--json FILE]
#                                   writes SIZE (default 10G) sequentially into a Quire mount only
#                                   and reports the daemon's peak RSS: bounded whatever the size.
# QUIRE_DIST=DIR uses that distribution (packaging/target/quire-VERSION or an unpacked tarball)
# instead of building this checkout with ./quire.
# Run on demand, on a quiet machine, as root (to drop the page cache between write and read, and
# to install fio, bindfs, fuse3, libfuse2 with apt-get when missing); it is not part of the test
# suite. Loopback only; every test is bounded in time; every process it starts is stopped by PID
# when it exits, every mount unmounted, the temporary directory removed. tests/bench/README.md
# explains each figure.
set -euo pipefail
{ # the whole script is one compound command: bash reads it all before running, so editing or
  # checking out this file during a run cannot change the running script
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
say() { printf 'fs.sh: %s\n' "$*" >&2; }
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2; exit "${1:-2}"; }

mode=all size_arg='' json_out='' only='plain,bindfs,quire'
all_tests='seq_write,seq_read,rand_write,rand_read,fsync,meta,small' tests=$all_tests
while [ $# -gt 0 ]; do
  case "$1" in
    rss) mode=rss ;;
    --json) [ $# -ge 2 ] || usage; json_out=$2; shift ;;
    --json=*) json_out=${1#--json=} ;;
    --only) [ $# -ge 2 ] || usage; only=$2; shift ;;
    --only=*) only=${1#--only=} ;;
    --tests) [ $# -ge 2 ] || usage; tests=$2; shift ;;
    --tests=*) tests=${1#--tests=} ;;
    -h|--help) usage 0 ;;
    -*) say "unknown option $1"; usage ;;
    *) [ -z "$size_arg" ] || { say "more than one SIZE"; usage; }; size_arg=$1 ;;
  esac
  shift
done
if [ "$mode" = rss ]; then size_arg=${size_arg:-${SIZE:-10G}}; only=quire; else size_arg=${size_arg:-${SIZE:-1G}}; fi
[ -z "$json_out" ] || json_out=$(cd "$(dirname "$json_out")" && pwd)/$(basename "$json_out")
want() { case ",$only," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }
for t in ${tests//,/ }; do
  [[ ",$all_tests," == *",$t,"* ]] || { say "unknown test '$t' in --tests (known: $all_tests)"; usage; }
done

# ---- what the script needs: installed with apt-get as root, or named exactly ----------------------
is_root=0; [ "$(id -u)" = 0 ] && is_root=1
missing=()
command -v python3 >/dev/null 2>&1 || missing+=(python3)
command -v fio >/dev/null 2>&1 || missing+=(fio)
command -v timeout >/dev/null 2>&1 || missing+=(coreutils)
want bindfs && { command -v bindfs >/dev/null 2>&1 || missing+=(bindfs); }
if want bindfs || want quire; then
  command -v fusermount3 >/dev/null 2>&1 || command -v fusermount >/dev/null 2>&1 || missing+=(fuse3)
fi
if want quire; then
  ldconfig -p 2>/dev/null | grep 'libfuse\.so\.2' >/dev/null || missing+=(libfuse2)   # jnr-fuse binds libfuse 2 (no grep -q: pipefail)
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$is_root" = 1 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing ${missing[*]} with apt-get"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } >/dev/null ||
      { say "apt-get install ${missing[*]} failed"; exit 1; }
  else
    say "missing: ${missing[*]} (Debian: run as root 'apt-get install ${missing[*]}')"
    exit 1
  fi
fi
if { want bindfs || want quire; } && [ ! -c /dev/fuse ]; then say "/dev/fuse is missing (modprobe fuse)"; exit 1; fi
[ "$is_root" = 1 ] || say "not root: the page cache cannot be dropped, so every 'cold' read below is warm"

size=$(python3 -c '
import re, sys
m = re.fullmatch(r"(\d+)([KMGT]?)(i?B)?", sys.argv[1].strip(), re.I)
if not m: sys.exit("fs.sh: SIZE must look like 1G, 256M, 1073741824")
print(int(m.group(1)) << {"": 0, "K": 10, "M": 20, "G": 30, "T": 40}[m.group(2).upper()])' "$size_arg")
[ "$size" -ge $((16 << 20)) ] || { say "SIZE must be at least 16M"; exit 2; }
rsize=$((size < (256 << 20) ? size : (256 << 20)))   # the 4 KiB random I/O file
syncsize=$((64 << 20))                               # at most this much for the write+fsync test
mib() { echo $(($1 >> 20)); }

base=${TMPDIR:-/tmp}
free=$(($(df -Pk "$base" | awk 'NR==2 {print $4}') * 1024))
if [ "$mode" = rss ]; then need=$((4 * size + (2 << 30))); else need=$((7 * size + 7 * rsize + (3 << 30))); fi
if [ "$free" -lt "$need" ]; then
  say "$base has $(mib "$free") MiB free, this run needs about $(mib "$need") MiB (set TMPDIR to a larger disk or pass a smaller SIZE)"
  exit 1
fi

work=$(mktemp -d "$base/quire-fsbench.XXXXXX")
export QUIRE_STATE_DIR="$work/state"   # the mount daemon's runtime files and log, for mount and umount
pids=()          # processes started here, stopped by PID on exit
qmnt="$work/quire-mnt" bsrc="$work/bindfs-src" bmnt="$work/bindfs-mnt" plain="$work/plain"
qpid='' qhwm=0 quire_why='' bindfs_why='' cat_port='' mounts=0 qmounted=0 bmounted=0

is_mounted() { awk -v d="$1" '$2 == d {found=1} END {exit !found}' /proc/self/mounts; }

cleanup() {
  set +e
  if [ -n "${quire:-}" ] && { [ "$qmounted" = 1 ] || is_mounted "$qmnt"; }; then quire_umount; fi
  if is_mounted "$qmnt"; then fusermount -u -z "$qmnt" 2>/dev/null || umount -l "$qmnt" 2>/dev/null; fi
  [ -n "$qpid" ] || qpid=$(find_daemon) || qpid=''   # e.g. a daemon whose mount timed out
  if [ -n "$qpid" ]; then
    kill "$qpid" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$qpid" 2>/dev/null || break; sleep 0.2; done
  fi
  if is_mounted "$bmnt"; then fusermount -u "$bmnt" 2>/dev/null || fusermount -u -z "$bmnt" 2>/dev/null || umount -l "$bmnt" 2>/dev/null; fi
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  if awk -v w="$work/" 'index($2, w) == 1 {found=1} END {exit !found}' /proc/self/mounts; then
    say "something is still mounted under $work: left in place"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

drop_caches() { sync; if [ "$is_root" = 1 ]; then echo 3 >/proc/sys/vm/drop_caches; fi; }

# ---- the python3 helpers: metadata and small-file programs, fio JSON, the table ------------------
cat >"$work/fsbench.py" <<'PY'
import json, os, sys, time

def meta(d, phase, n, limit):
    """create / stat / unlink of n files in one directory, bounded by limit seconds."""
    names = [os.path.join(d, "f%05d" % i) for i in range(n)]
    done, t0 = 0, time.perf_counter()
    deadline = t0 + limit
    for p in names:
        if phase == "create":
            os.close(os.open(p, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
        elif phase == "stat":
            os.lstat(p)
        else:
            os.unlink(p)
        done += 1
        if done % 100 == 0 and time.perf_counter() > deadline:
            break
    return done, time.perf_counter() - t0

def small(d, phase, n, limit):
    """n files of 16 KiB: written (open, write, close: no fsync) or read back whole."""
    buf = os.urandom(16384)
    done, t0 = 0, time.perf_counter()
    deadline = t0 + limit
    for i in range(n):
        p = os.path.join(d, "s%05d" % i)
        if phase == "write":
            fd = os.open(p, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o644)
            try:
                if os.write(fd, buf) != len(buf):
                    sys.exit("short write on " + p)
            finally:
                os.close(fd)
        else:
            fd, got = os.open(p, os.O_RDONLY), 0
            try:
                while True:
                    b = os.read(fd, 65536)
                    if not b:
                        break
                    got += len(b)
            finally:
                os.close(fd)
            if got != 16384:
                sys.exit("%s: read %d bytes, expected 16384" % (p, got))
        done += 1
        if done % 50 == 0 and time.perf_counter() > deadline:
            break
    return done, time.perf_counter() - t0

def rate(kind, d, phase, n, limit):
    done, secs = (meta if kind == "meta" else small)(d, phase, int(n), float(limit))
    note = "" if done == int(n) else "partial: %d of %s in %.0f s" % (done, n, secs)
    print("%.1f\t%s" % (done / secs, note))

def fio(path, kind, want_bytes):
    """One number (and a note) out of fio's JSON: bw MiB/s, IOPS, or fsync latency percentiles."""
    text = open(path).read()   # fio may write a line such as "fio: terminating ..." first
    j = json.loads(text[text.index("{"):])["jobs"][0]
    if j.get("error"):
        sys.exit("fio error %s" % j["error"])
    d = j["read"] if kind.startswith("read") else j["write"]
    note = ""
    if want_bytes and d["io_bytes"] < int(want_bytes):
        note = "partial: %d MiB of %d in %.0f s" % (d["io_bytes"] >> 20, int(want_bytes) >> 20, d["runtime"] / 1000)
    if kind.endswith("bw"):
        v = d["bw_bytes"] / 2**20
    elif kind.endswith("iops"):
        v = d["iops"]
    else:   # sync50 / sync99: fsync latency in ms
        pct = j["sync"]["lat_ns"]["percentile"]
        v = pct["50.000000" if kind == "sync50" else "99.000000"] / 1e6
    print("%.6g\t%s" % (v, note))

ROWS = [  # key, label, target ratio quire/bindfs (None: no target), higher is better
    ("seq_write_mibs", "sequential write {size} + fsync, MiB/s", 0.5, True),
    ("seq_read_mibs", "sequential read (cold), MiB/s", 0.6, True),
    ("seq_read_remote_mibs", "  the same from the servers (empty cache, new daemon), MiB/s", None, True),
    ("rand_write_iops", "4 KiB random write ({rsize}), IOPS", 0.3, True),
    ("rand_read_iops", "4 KiB random read ({rsize}), IOPS", None, True),
    ("fsync_write_iops", "4 KiB write + fsync, IOPS", None, True),
    ("fsync_p50_ms", "4 KiB write + fsync, fsync p50 ms", None, False),
    ("fsync_p99_ms", "4 KiB write + fsync, fsync p99 ms", None, False),
    ("meta_create_ops", "create 10,000 files, ops/s", 1.0, True),
    ("meta_stat_ops", "stat 10,000 files (cold), ops/s", 1.0, True),
    ("meta_unlink_ops", "unlink 10,000 files, ops/s", 1.0, True),
    ("small_write_files", "16 KiB small files write (2,000), files/s", None, True),
    ("small_read_files", "16 KiB small files read (cold), files/s", None, True),
    ("quire_peak_rss_mib", "Quire mount daemon peak RSS (VmHWM), MiB", None, False),
]
FS = ["plain", "bindfs", "quire"]

def fmt(v):
    if v is None:
        return "n/a"
    a = abs(v)
    return "%.0f" % v if a >= 100 else "%.1f" % v if a >= 10 else "%.2f" % v if a >= 0.1 else "%.3f" % v

def table(results_tsv, info_json, json_out):
    info = json.load(open(info_json))
    vals, notes = {f: {} for f in FS}, {f: {} for f in FS}
    for line in open(results_tsv):
        f, k, v, note = (line.rstrip("\n").split("\t") + [""])[:4]
        vals[f][k] = None if v == "n/a" else float(v)
        if note:
            notes[f][k] = note
    size, rsize = info["size_bytes"], info["rand_size_bytes"]
    human = lambda b: "%d GiB" % (b >> 30) if b % (1 << 30) == 0 else "%d MiB" % (b >> 20)
    rows, ratios = [], {}
    for key, label, target, higher in ROWS:
        if not any(key in vals[f] for f in FS):
            continue
        cells = [vals[f].get(key) for f in FS]
        b, q = cells[1], cells[2]
        ratio = q / b if b and q is not None else None
        ratios[key] = ratio
        verdict = ""
        if target is not None:
            verdict = ">= %.1f" % target
            if ratio is not None:
                verdict += " ok" if ratio >= target else " MISS"
        elif not higher and key != "quire_peak_rss_mib":
            verdict = "(lower is better)"
        rows.append([label.format(size=human(size), rsize=human(rsize))] + [fmt(c) for c in cells]
                    + [fmt(ratio) if ratio is not None else "n/a", verdict])
    head = ["metric", "plain", "bindfs", "quire", "quire/bindfs", "target"]
    w = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
    line = lambda r: "  ".join(r[0].ljust(w[0]) if i == 0 else c.rjust(w[i]) if i < 5 else c
                               for i, c in enumerate(r)).rstrip()
    print(line(head))
    print("  ".join("-" * x for x in w))
    for r in rows:
        print(line(r))
    for f in FS:   # one line when every figure of a column has the same note (e.g. why it is n/a)
        ns = set(notes[f].values())
        if len(ns) == 1 and set(notes[f]) == set(vals[f]):
            print("note: %s: %s" % (f, ns.pop()))
            continue
        for k, n in notes[f].items():
            print("note: %s %s: %s" % (f, k, n))
    if json_out:
        out = dict(info)
        out.update({"results": vals, "notes": notes, "ratio_quire_to_bindfs": ratios,
                    "targets": {k: t for k, _, t, _ in ROWS if t is not None}})
        with open(json_out, "w") as fh:
            json.dump(out, fh, indent=2, sort_keys=True)
            fh.write("\n")

if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd in ("meta", "small"):
        rate(cmd, *args)
    elif cmd == "fio":
        fio(*args)
    elif cmd == "table":
        table(*args)
PY
py() { python3 "$work/fsbench.py" "$@"; }

results="$work/results.tsv"; : >"$results"
record() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "${4:-}" >>"$results"; }

# fio_job FS NAME TIMEOUT fio-args...: runs one bounded fio job in FS's directory; JSON in $work/fio-FS-NAME.json
fio_job() {
  local fs=$1 name=$2 limit=$3; shift 3
  local out="$work/fio-$fs-$name.json"
  rm -f "$out"
  local rc=0
  timeout -k 10 "$limit" fio --name="$name" --output-format=json --output="$out" \
    --ioengine=psync --iodepth=1 --direct=0 --fallocate=none "$@" >"$out.log" 2>&1 || rc=$?
  case $rc in
    0) ;;
    124|137) echo "fio $name did not finish within $limit s (one I/O blocked far beyond its runtime bound): killed"; return 1 ;;
    *) echo "fio $name failed (exit $rc): $(grep -v '^\s*$' "$out.log" | tail -n 2 | tr '\n' ' ')"; return 1 ;;
  esac
}
# fio_value FS NAME KIND [WANT_BYTES] -> "value<TAB>note"
fio_value() { py fio "$work/fio-$1-$2.json" "$3" "${4:-}"; }

# ---- the Quire cluster and mount -------------------------------------------------------------------
start_server() { # name zone extra-args... -> $port   (as tests/bench/pages.sh, but never in a
                  # $(...) subshell: pids+=() must reach this shell for the trap to stop it)
  local name=$1 zone=$2; shift 2
  "$quire" server --data "$work/$name" --listen 127.0.0.1:0 --zone "$zone" --port-file "$work/$name.port" \
    --capacity "$capacity" "$@" >"$work/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 300); do [ -s "$work/$name.port" ] && break; sleep 0.1; done
  [ -s "$work/$name.port" ] || { say "server $name did not start:"; tail -n 20 "$work/$name.log" >&2; return 1; }
  port=$(cat "$work/$name.port")
}

find_daemon() { # the `quire mount ... --foreground` process serving $qmnt
  local p c
  for p in /proc/[0-9]*; do
    c=$(tr '\0' ' ' 2>/dev/null <"$p/cmdline") || continue
    case "$c" in *"mount fsbench"*) ;; *) continue ;; esac
    case "$c" in *--foreground*) ;; *) continue ;; esac
    case "$c" in *"$qmnt"*) echo "${p#/proc/}"; return 0 ;; esac
  done
  return 1
}

quire_mount() { # sets qmounted=1 and qpid, or quire_why
  local cache="$work/cache$mounts" log="$work/mount$mounts.log"
  mounts=$((mounts + 1))
  mkdir -p "$qmnt"
  if ! timeout -k 10 150 "$quire" mount fsbench "$qmnt" --catalog "127.0.0.1:$cat_port" --cache-dir "$cache" \
       </dev/null >"$log" 2>&1; then
    quire_why="quire mount failed: $(grep -v '^\s*$' "$log" | tail -n 3 | tr '\n' ' ')"
    local dlog; dlog=$(find "$work/state" -name '*.log' -newer "$work/results.tsv" 2>/dev/null | head -n 1)
    [ -z "$dlog" ] || quire_why="$quire_why; daemon log: $(grep -v '^\s*$' "$dlog" | tail -n 3 | tr '\n' ' ')"
    return 1
  fi
  if ! is_mounted "$qmnt"; then quire_why="quire mount returned but $qmnt is not mounted"; return 1; fi
  qmounted=1
  # "mounted volume fsbench at DIR (daemon pid N, ...)", else the process serving the mount point
  qpid=$(sed -n 's/.*daemon pid \([0-9]*\).*/\1/p' "$log" | head -n 1)
  [ -n "$qpid" ] && [ -r "/proc/$qpid/status" ] || qpid=$(find_daemon) ||
    { qpid=''; say "could not find the quire mount daemon: no peak RSS"; }
}

quire_umount() { # flushes and unmounts, keeps the daemon's VmHWM
  local h
  if [ -n "$qpid" ] && [ -r "/proc/$qpid/status" ]; then
    h=$(awk '/^VmHWM:/ {print $2}' "/proc/$qpid/status")
    if [ -n "$h" ] && [ "$h" -gt "$qhwm" ]; then qhwm=$h; fi
  fi
  if ! timeout -k 10 150 "$quire" umount "$qmnt" --timeout 120 >>"$work/umount.log" 2>&1; then
    say "quire umount failed: $(tail -n 2 "$work/umount.log" | tr '\n' ' ')"
    fusermount -u -z "$qmnt" 2>/dev/null || umount -l "$qmnt" 2>/dev/null || true
  fi
  qmounted=0
  if [ -n "$qpid" ]; then
    for _ in $(seq 1 300); do kill -0 "$qpid" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$qpid" 2>/dev/null; then say "the mount daemon $qpid did not exit: killing it"; kill "$qpid" 2>/dev/null || true; fi
    qpid=''
  fi
}

setup_quire() { # sets quire and cat_port, or quire_why
  local dist
  if [ -n "${QUIRE_DIST:-}" ]; then   # a given distribution directory, e.g. to compare two builds
    dist="$QUIRE_DIST/bin/quire"
    [ -x "$dist" ] || { quire_why="QUIRE_DIST=$QUIRE_DIST has no bin/quire"; return 1; }
  else
    if ! "$root/quire" --version >"$work/build.log" 2>&1; then   # builds the distribution if needed
      quire_why="the distribution does not build: $({ grep -m 2 '^\[ERROR\] /' "$work/build.log" || tail -n 3 "$work/build.log"; } | sed 's/\x1b\[[0-9;]*m//g' | tr '\n' ' ' | cut -c1-300)"; return 1
    fi
    dist=$(ls -d "$root"/packaging/target/quire-*/bin/quire 2>/dev/null | head -n 1)
    [ -n "$dist" ] || { quire_why="no distribution under packaging/target"; return 1; }
  fi
  # A private copy: other builds may replace packaging/target while the benchmark runs.
  cp -a "$(dirname "$(dirname "$dist")")" "$work/dist"
  quire="$work/dist/bin/quire"
  if ! "$quire" mount --help >/dev/null 2>&1; then quire_why="this build has no 'quire mount' command"; return 1; fi
  capacity="$(( (2 * size >> 30) + 20 ))G"
  local max="$(( (2 * size >> 30) > 100 ? (2 * size >> 30) : 100 ))G"
  start_server srv-a z1 --catalog || { quire_why="server srv-a did not start"; return 1; }
  cat_port=$port
  start_server srv-b z2 --join "127.0.0.1:$cat_port" || { quire_why="server srv-b did not start"; return 1; }
  start_server srv-c z3 --join "127.0.0.1:$cat_port" || { quire_why="server srv-c did not start"; return 1; }
  local ok=0
  for _ in $(seq 1 30); do
    if "$quire" volume create fsbench --size 20G --max-size "$max" --replicas 3 --write-quorum 2 \
         --catalog "127.0.0.1:$cat_port" >"$work/volume.log" 2>&1; then ok=1; break; fi
    sleep 1   # until the three servers have registered
  done
  [ "$ok" = 1 ] || { quire_why="volume create failed: $(tail -n 2 "$work/volume.log" | tr '\n' ' ')"; return 1; }
  quire_mount
}

setup_bindfs() {
  mkdir -p "$bsrc" "$bmnt"
  bindfs -f "$bsrc" "$bmnt" >"$work/bindfs.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do is_mounted "$bmnt" && break; sleep 0.1; done
  if ! is_mounted "$bmnt"; then bindfs_why="bindfs did not mount: $(tail -n 2 "$work/bindfs.log" | tr '\n' ' ')"; return 1; fi
  bmounted=1
}

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
write_info() { # extra JSON fields for the report
  python3 - "$@" >"$work/info.json" <<'PY'
import json, os, sys
mode, size, rsize, load0, load1, qhwm, why_q, why_b, secs = sys.argv[1:10]
print(json.dumps({"mode": mode, "size_bytes": int(size), "rand_size_bytes": int(rsize),
                  "nproc": os.cpu_count(), "loadavg_start": load0, "loadavg_end": load1,
                  "quire_peak_rss_mib": round(int(qhwm) / 1024, 1) if int(qhwm) else None,
                  "quire_unavailable": why_q or None, "bindfs_unavailable": why_b or None,
                  "seconds": int(secs)}))
PY
}
load0=$(loadavg); t0=$SECONDS

# ==== rss mode: SIZE written into the Quire mount, the daemon's peak RSS =========================
if [ "$mode" = rss ]; then
  say "writing $(mib "$size") MiB into a Quire mount (R=3, W=2, three servers) in $work"
  setup_quire || { say "$quire_why"; exit 1; }
  [ -n "$qpid" ] || { say "the mount daemon was not found: cannot report its RSS"; exit 1; }
  f="$qmnt/rss.dat"
  (
    s0=$SECONDS
    while :; do
      st=$(awk '/^VmRSS:/ {r = $2} /^VmHWM:/ {h = $2} /^RssAnon:/ {a = $2}
                END {if (!r) exit 1; printf "%d %d %d ", r / 1024, h / 1024, a / 1024}' \
        "/proc/$qpid/status" 2>/dev/null) || break
      printf '%d %s%d\n' $((SECONDS - s0)) "$st" $(($(stat -c %s "$f" 2>/dev/null || echo 0) >> 20))
      sleep 2
    done
  ) >"$work/rss.log" &
  pids+=($!)
  cap=$(( size / (5 << 20) + 120 ))    # at least 5 MiB/s
  why=''
  why=$(fio_job quire rss "$((cap + 120))" --filename="$f" --rw=write --bs=1M --size="$size" --end_fsync=1 --runtime="$cap") || true
  kill "${pids[-1]}" 2>/dev/null || true
  hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$qpid/status")
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$qpid/status")
  [ -z "$why" ] || { say "$why"; exit 1; }
  IFS=$'\t' read -r bw note <<<"$(fio_value quire rss bw "$size")"
  printf 'sequential write of %d MiB + fsync into Quire: %.1f MiB/s%s\n' "$(mib "$size")" "$bw" "${note:+ ($note)}"
  anon=$(awk 'NF == 5 && $4 > m {m = $4} END {print m + 0}' "$work/rss.log")
  printf 'mount daemon RSS: peak (VmHWM) %d MiB, now %d MiB; anonymous memory (RssAnon) at most %d MiB\n' \
    $((hwm >> 10)) $((rss >> 10)) "$anon"
  echo "(RSS counts the resident pages of the LMDB cache map too, up to --cache-size; RssAnon is the rest)"
  echo "$(nproc) CPUs, load average $load0 at start, $(loadavg) at the end"
  echo "seconds  RSS MiB  peak MiB  anon MiB  file MiB   (sampled every 2 s)"
  awk 'NF == 5 {print}' "$work/rss.log" | awk '{ r[NR] = $0 } END { s = int(NR / 10); if (s < 1) s = 1;
    for (i = 1; i <= NR; i += s) { split(r[i], a, " "); printf "%7d  %7d  %8d  %8d  %8d\n", a[1], a[2], a[3], a[4], a[5] }
    if ((NR - 1) % s) { split(r[NR], a, " "); printf "%7d  %7d  %8d  %8d  %8d\n", a[1], a[2], a[3], a[4], a[5] } }'
  if [ -n "$json_out" ]; then
    python3 - "$size" "$bw" "$hwm" "$rss" "$work/rss.log" "$note" "$load0" "$(loadavg)" >"$json_out" <<'PY'
import json, os, sys
size, bw, hwm, rss, log, note, load0, load = sys.argv[1:9]
samples = [dict(zip(("seconds", "rss_mib", "hwm_mib", "anon_mib", "file_mib"), map(int, l.split())))
           for l in open(log) if len(l.split()) == 5]
json.dump({"mode": "rss", "size_bytes": int(size), "seq_write_mibs": float(bw),
           "quire_peak_rss_mib": round(int(hwm) / 1024, 1), "quire_rss_end_mib": round(int(rss) / 1024, 1),
           "quire_peak_anon_mib": max((x["anon_mib"] for x in samples), default=None),
           "note": note or None, "nproc": os.cpu_count(), "loadavg_start": load0, "loadavg_end": load,
           "samples": samples}, sys.stdout, indent=2)
PY
  fi
  exit 0
fi

# ==== the side-by-side run ===========================================================================
say "plain, bindfs and quire in $work: sequential $(mib "$size") MiB, random $(mib "$rsize") MiB (load $load0)"
if want plain; then mkdir -p "$plain"; fi
if want bindfs; then setup_bindfs || say "$bindfs_why"; fi
if want quire; then
  setup_quire || { say "quire column is n/a: $quire_why"; quire_why=${quire_why:-unavailable}; }
else
  quire_why="not selected (--only $only)"
fi
[ -n "$bindfs_why" ] || want bindfs || bindfs_why="not selected (--only $only)"
fs_dir() { case "$1" in plain) echo "$plain" ;; bindfs) echo "$bmnt" ;; quire) echo "$qmnt" ;; esac; }
fs_ok() {
  case "$1" in
    plain) want plain ;;
    bindfs) [ "$bmounted" = 1 ] ;;
    quire) [ "$qmounted" = 1 ] ;;
  esac
}

# Each test runs on every file system in turn, so that the three see the same machine load.
# A test function prints "key<TAB>value<TAB>note" lines, or fails with a reason on stdout.
t_seq_write() {
  fio_job "$1" seqwrite 180 --filename="$2/seq.dat" --rw=write --bs=1M --size="$size" --end_fsync=1 --runtime=120 || return 1
  printf 'seq_write_mibs\t%s\n' "$(fio_value "$1" seqwrite bw "$size")"
}
t_seq_read() {
  # Cold for every file system: the page cache is dropped, so each read goes to where the file
  # system keeps its data: the disk for plain and bindfs, the local LMDB cache (on the same disk)
  # for Quire. Quire then reads the file once more from a fresh daemon with an empty cache, every
  # page from the servers: the read of a file this host has never seen (seq_read_remote_mibs).
  local n; n=$(stat -c %s "$2/seq.dat") || { echo "seq.dat is missing"; return 1; }
  [ "$n" -gt 0 ] || { echo "seq.dat is empty"; return 1; }
  drop_caches
  fio_job "$1" seqread 150 --filename="$2/seq.dat" --rw=read --bs=1M --size="$n" --runtime=90 || return 1
  printf 'seq_read_mibs\t%s\n' "$(fio_value "$1" seqread readbw "$n")"
  if [ "$1" = quire ]; then
    quire_umount
    rm -rf "$work/cache$((mounts - 1))"
    quire_mount || { echo "$quire_why"; return 1; }
    drop_caches
    fio_job "$1" seqreadremote 150 --filename="$2/seq.dat" --rw=read --bs=1M --size="$n" --runtime=90 || return 1
    printf 'seq_read_remote_mibs\t%s\n' "$(fio_value "$1" seqreadremote readbw "$n")"
  fi
  rm -f "$2/seq.dat"
}
t_rand_write() {   # on a file laid out first (not timed): 4 KiB overwrites, no fsync
  fio_job "$1" randprep 150 --filename="$2/rand.dat" --rw=write --bs=1M --size="$rsize" --end_fsync=1 --runtime=90 || return 1
  fio_job "$1" randwrite 90 --filename="$2/rand.dat" --rw=randwrite --bs=4k --size="$rsize" --runtime=30 || return 1
  printf 'rand_write_iops\t%s\n' "$(fio_value "$1" randwrite iops)"
}
t_rand_read() {    # page cache dropped (Quire keeps its local LMDB cache, as a disk keeps its blocks)
  [ -f "$2/rand.dat" ] || { echo "rand.dat is missing"; return 1; }
  drop_caches
  fio_job "$1" randread 90 --filename="$2/rand.dat" --rw=randread --bs=4k --size="$rsize" --runtime=30 || return 1
  printf 'rand_read_iops\t%s\n' "$(fio_value "$1" randread readiops)"
  rm -f "$2/rand.dat"
}
t_fsync() {        # 4 KiB appends, fsync after each write
  fio_job "$1" fsync 75 --filename="$2/sync.dat" --rw=write --bs=4k --size="$syncsize" --fsync=1 --runtime=15 || return 1
  printf 'fsync_write_iops\t%s\n' "$(fio_value "$1" fsync iops)"
  printf 'fsync_p50_ms\t%s\n' "$(fio_value "$1" fsync sync50)"
  printf 'fsync_p99_ms\t%s\n' "$(fio_value "$1" fsync sync99)"
  rm -f "$2/sync.dat"
}
t_meta() {         # each phase bounded to 45 s; kernel caches dropped before stat and unlink
  local d="$2/meta" r n=10000
  mkdir "$d" || return 1
  r=$(py meta "$d" create "$n" 45) || { echo "create failed"; return 1; }
  printf 'meta_create_ops\t%s\n' "$r"
  case "$r" in *partial:*) n=$(sed 's/.*partial: \([0-9]*\) .*/\1/' <<<"$r") ;; esac
  drop_caches
  r=$(py meta "$d" stat "$n" 45) || { echo "stat failed"; return 1; }
  printf 'meta_stat_ops\t%s\n' "$r"
  drop_caches
  r=$(py meta "$d" unlink "$n" 45) || { echo "unlink failed"; return 1; }
  printf 'meta_unlink_ops\t%s\n' "$r"
  rm -rf "$d"
}
t_small() {        # 2,000 files of 16 KiB; kernel caches dropped before the read
  local d="$2/small" r n=2000
  mkdir "$d" || return 1
  r=$(py small "$d" write "$n" 45) || { echo "write failed"; return 1; }
  printf 'small_write_files\t%s\n' "$r"
  case "$r" in *partial:*) n=$(sed 's/.*partial: \([0-9]*\) .*/\1/' <<<"$r") ;; esac
  drop_caches
  r=$(py small "$d" read "$n" 45) || { echo "read failed"; return 1; }
  printf 'small_read_files\t%s\n' "$r"
  rm -rf "$d"
}

declare -A keys=(
  [seq_write]="seq_write_mibs" [seq_read]="seq_read_mibs seq_read_remote_mibs" [rand_write]="rand_write_iops"
  [rand_read]="rand_read_iops" [fsync]="fsync_write_iops fsync_p50_ms fsync_p99_ms"
  [meta]="meta_create_ops meta_stat_ops meta_unlink_ops" [small]="small_write_files small_read_files"
)
budget=$((20 * 60)) t_tests=$SECONDS   # for the tests, after the build and the mounts
for t in seq_write seq_read rand_write rand_read fsync meta small; do
  if [[ ",$tests," != *",$t,"* ]]; then
    for fs in plain bindfs quire; do
      for k in ${keys[$t]}; do record "$fs" "$k" n/a "not selected (--tests $tests)"; done
    done
    continue
  fi
  for fs in plain bindfs quire; do
    if [ $((SECONDS - t_tests)) -gt "$budget" ]; then   # a slow or stuck file system cannot stretch the run
      for k in ${keys[$t]}; do record "$fs" "$k" n/a "skipped: the run's $((budget / 60)) minutes were spent"; done
      continue
    fi
    if ! fs_ok "$fs"; then
      case $fs in quire) why=$quire_why ;; bindfs) why=$bindfs_why ;; *) why="not selected (--only $only)" ;; esac
      for k in ${keys[$t]}; do record "$fs" "$k" n/a "$why"; done
      continue
    fi
    say "$t on $fs"
    # In this shell, not a subshell: Quire's remount changes qpid, qmounted, mounts.
    t_"$t" "$fs" "$(fs_dir "$fs")" >"$work/out" 2>&1 || true
    # A failure after some figures keeps them; the missing ones are n/a with the reason.
    for k in ${keys[$t]}; do
      case $k in seq_read_remote_*) [ "$fs" = quire ] || continue ;; esac   # Quire only
      line=$(grep -P "^$k\t[0-9.]+" "$work/out" | head -n 1 || true)
      if [ -n "$line" ]; then
        printf '%s\t%s\n' "$fs" "$line" >>"$results"
      else
        why=$(grep -vP '^[a-z_0-9]+\t' "$work/out" | tr '\n' ' ' | cut -c1-300)
        record "$fs" "$k" n/a "${why:-failed}"
        say "$t on $fs: no $k: ${why:-failed}"
      fi
    done
  done
done

if [ "$qmounted" = 1 ]; then quire_umount; fi   # also reads the daemon's VmHWM
if [ "$qhwm" -gt 0 ]; then
  record quire quire_peak_rss_mib "$(python3 -c "print(round($qhwm / 1024, 1))")"
elif want quire; then
  record quire quire_peak_rss_mib n/a "${quire_why:-daemon not found}"
fi
write_info all "$size" "$rsize" "$load0" "$(loadavg)" "$qhwm" "$quire_why" "$bindfs_why" "$((SECONDS - t0))"
echo
echo "fs.sh: $(nproc) CPUs, load average $load0 at start, $(loadavg) at the end, $((SECONDS - t0)) s"
py table "$results" "$work/info.json" "$json_out"
[ -z "$json_out" ] || say "raw figures in $json_out"
exit 0
}
