#!/usr/bin/env bash
# Where this machine's processors, not the line, set the rate of a fast line (bench/RESULTS.md,
# "Fast lines"). Two namespaces joined by one veth pair (fl-srv 10.81.0.1, fl-cli 10.81.0.2),
# the line shaped with htb on the server side, the endpoint (dist/cli.js serve) in fl-srv.
# For each GSO mode it measures Glasnost's rule (3 x 5 s curl flows per scheme, alternating:
# test/lab/glasnost-rule.ts) with the CPU seconds per GB of the endpoint and of curl, then
# runs each CLI given (default run, JSON) RUNS times. SHAPER=port3 caps source port 443 at a
# third of the line (the WAN lab's w-port3-* shaper); GSO_MODES="0 1" picks the GSO modes.
# Needs root, curl, and `node build.mjs` first. Its own namespaces, subnet and lock
# (/tmp/ttd-fast-line-lab.lock), so it runs beside the other labs; removes what it made.
#   [SHAPER=none|port3] [GSO_MODES="0 1"] bench/fast-line-cpu.sh [RATE_MBIT=1000] [CLI_RUNS=3] [CLI=dist/cli.js ...]
set -euo pipefail
RATE=${1:-1000}
RUNS=${2:-3}
shift 2 || true
CLIS=("$@")
[ ${#CLIS[@]} -eq 0 ] && CLIS=(dist/cli.js)
LOCK=/tmp/ttd-fast-line-lab.lock
mkdir "$LOCK" 2>/dev/null || { echo "another fast-line lab holds $LOCK" >&2; exit 1; }
DATA=$(mktemp -d /tmp/ttd-fast-line.XXXXXX)
SERVER_PID=
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
  ip netns del fl-srv 2>/dev/null || true
  ip netns del fl-cli 2>/dev/null || true
  rm -rf "$DATA" "$LOCK"
}
trap cleanup EXIT

cpu_s() { # utime+stime of a pid, seconds (proc(5) fields 14, 15)
  awk '{ print ($14 + $15) / 100 }' "/proc/$1/stat" 2>/dev/null || echo 0
}

build() { # $1: gso_max_segs (1 = wire-size packets, as the other labs; 0 = the kernel's default)
  ip netns del fl-srv 2>/dev/null || true
  ip netns del fl-cli 2>/dev/null || true
  ip netns add fl-srv
  ip netns add fl-cli
  ip link add veth-fls type veth peer name veth-flc
  ip link set veth-fls netns fl-srv
  ip link set veth-flc netns fl-cli
  if [ "$1" = 1 ]; then
    ip -n fl-srv link set dev veth-fls gso_max_segs 1
    ip -n fl-cli link set dev veth-flc gso_max_segs 1
  fi
  ip -n fl-srv addr add 10.81.0.1/24 dev veth-fls
  ip -n fl-cli addr add 10.81.0.2/24 dev veth-flc
  for n in fl-srv fl-cli; do ip -n $n link set lo up; done
  ip -n fl-srv link set veth-fls up
  ip -n fl-cli link set veth-flc up
  ip netns exec fl-srv tc qdisc add dev veth-fls root handle 1: htb default 10
  ip netns exec fl-srv tc class add dev veth-fls parent 1: classid 1:1 htb rate "${RATE}mbit" quantum 1514
  ip netns exec fl-srv tc class add dev veth-fls parent 1:1 classid 1:10 htb rate "${RATE}mbit" quantum 1514
  if [ "${SHAPER:-none}" = port3 ]; then
    local third=$((RATE / 3))
    ip netns exec fl-srv tc class add dev veth-fls parent 1:1 classid 1:20 htb rate "${third}mbit" ceil "${third}mbit" quantum 1514
    ip netns exec fl-srv tc filter add dev veth-fls parent 1: protocol ip prio 1 u32 match ip sport 443 0xffff flowid 1:20
  fi
}

serve() {
  ip netns exec fl-srv node dist/cli.js serve --ports 80,443 --host 10.81.0.1 --data-dir "$DATA" >"$DATA/serve.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 50); do grep -q 'Development CA' "$DATA/serve.log" 2>/dev/null && break; sleep 0.2; done
  CA=$(sed -n 's/^Development CA: //p' "$DATA/serve.log")
  grep 'TLS capacity' "$DATA/serve.log" || true
  # The server's own Node process: the child of `ip netns exec`.
  NODE_PID=$(pgrep -P "$SERVER_PID" node || echo "$SERVER_PID")
}

flow() { # $1 scheme: one 5 s download; prints Mbit/s, endpoint CPU s/GB, curl CPU s/GB
  local url="$1://10.81.0.1/payload?bytes=268435456&seed=1"
  local before after
  before=$(cpu_s "$NODE_PID")
  local out
  out=$(ip netns exec fl-cli bash -c "curl -sk --max-time 5 -o /dev/null -w '%{size_download} %{time_total}' '$url'; times" 2>/dev/null || true)
  after=$(cpu_s "$NODE_PID")
  echo "$out" | awk -v b="$before" -v a="$after" -v s="$1" '
    NR == 1 { bytes = $1; secs = $2 }
    NR == 2 { split($1, u, "m"); split($2, k, "m"); cs = u[1] * 60 + u[2] + k[1] * 60 + k[2] }
    END { gb = bytes / 1e9; printf "%s %.0f Mbit/s, endpoint %.1f CPU s/GB, curl %.1f CPU s/GB\n", s, bytes * 8 / secs / 1e6, (a - b) / gb, cs / gb }'
}

# Glasnost's rule on the flows: median HTTP over median HTTPS; a finding past 1.25x (0.8x the
# other way), inconclusive when a scheme's fastest flow is more than 25% above its median.
glasnost() {
  awk '$1 == "http" { h[++nh] = $2 } $1 == "https" { t[++nt] = $2 }
    function med(a, n,   i, j, x) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { x = a[i]; a[i] = a[j]; a[j] = x } return a[int((n + 1) / 2)] }
    END { mh = med(h, nh); mt = med(t, nt); r = mh / mt
      noisy = (h[nh] > 1.25 * mh || t[nt] > 1.25 * mt)
      v = noisy ? "inconclusive" : (r > 1.25 ? "tls-throttled" : (r < 0.8 ? "plaintext-throttled" : "no-difference"))
      printf "Glasnost rule: %s ratio %.2f (HTTP median %.0f, HTTPS median %.0f Mbit/s)\n", v, r, mh, mt }'
}

for segs in ${GSO_MODES:-0 1}; do
  build "$segs"
  serve
  echo "== line ${RATE} Mbit/s, shaper ${SHAPER:-none}, gso_max_segs $([ "$segs" = 1 ] && echo 1 || echo default), load: $(cut -d' ' -f1-3 /proc/loadavg)"
  for _ in 1 2 3; do flow http; flow https; done | tee "$DATA/flows"
  glasnost <"$DATA/flows"
  for cli in "${CLIS[@]}"; do
    for i in $(seq "$RUNS"); do
      ip netns exec fl-cli node "$cli" run https://10.81.0.1 --ca "$CA" --json 2>"$DATA/run.err" |
        node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s);const l=Object.fromEntries(r.legs.map(x=>[x.scheme+x.port,Math.round(x.medianMbps)]));const f=r.warnings.find(n=>n.code==="fast-line");console.log(`'"$cli"' run '"$i"': ${r.verdict}${r.cause?"/"+r.cause:""} ratio ${r.ratio.toFixed(2)} in ${(r.durationMs/1000).toFixed(1)} s, ${(r.bytesUsed/1e6).toFixed(1)} MB, ${r.rounds} rounds, legs ${JSON.stringify(l)}${f?`, fast-line ${f.lineMbps} Mbit/s ${f.targetMs} ms budget ${(f.budgetBytes/1e6).toFixed(0)} MB`:""}; notes ${r.warnings.map(n=>n.code).join(",")}`)})'
      grep -h '^The line runs\|^Data:' "$DATA/run.err" | sed 's/^/    stderr: /' || true
    done
  done
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
done
