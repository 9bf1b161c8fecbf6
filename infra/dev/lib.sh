# Shared helpers of infra/dev/up and infra/dev/down (sourced, not run).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="${GATEHOUSE_DEV_CACHE:-$ROOT/.cache}"

say() { echo "[infra/dev] $*" >&2; }
die() { echo "[infra/dev] error: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "$1 not found: install $2"; }

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port() {
  node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

# pick_port VAR default [avoid]: the configured port (must be free), else the default when
# free, else any free port.
pick_port() {
  local var="$1" def="$2" avoid="${3:-}" want="${!1:-}"
  if [ -n "$want" ]; then
    port_busy "$want" && die "$var=$want is already in use"
    echo "$want"; return
  fi
  if ! port_busy "$def" && [ "$def" != "$avoid" ]; then echo "$def"; return; fi
  local p; p="$(free_port)"; while [ "$p" = "$avoid" ]; do p="$(free_port)"; done
  say "port $def is taken; using $p for $var"
  echo "$p"
}

# start_detached pidfile logfile cmd args...: runs cmd in its own session, survives this shell;
# the pid file holds the server's own pid (the wrapper execs into it).
start_detached() {
  local pidf="$1" log="$2"; shift 2
  rm -f "$pidf"
  setsid nohup bash -c 'echo $$ >"$0"; exec "$@"' "$pidf" "$@" >"$log" 2>&1 </dev/null &
  local i; for i in $(seq 1 50); do [ -s "$pidf" ] && return; sleep 0.1; done
  die "could not start $1"
}

wait_ready() {
  local kind="$1" target="$2" pidf="$3" log="$4"
  if [ ! -d "$ROOT/node_modules/kafkajs" ] || [ ! -d "$ROOT/node_modules/mongodb" ]; then
    die "node_modules missing: run npm ci first (readiness is checked with the project's clients)"
  fi
  if ! node "$ROOT/infra/dev/ready.mjs" "$kind" "$target" "$(cat "$pidf")" "${READY_TIMEOUT:-120}"; then
    tail -n 30 "$log" >&2 || true
    die "$kind did not become ready (log: $log)"
  fi
  say "$kind ready at $target"
}

env_line() {
  local f="$CACHE/dev.env"; touch "$f"
  grep -v "^$1=" "$f" >"$f.tmp" || true
  echo "$1=$2" >>"$f.tmp"; mv "$f.tmp" "$f"
}

# stop pidfile name: SIGTERM (clean shutdown), SIGKILL after 30 s.
stop_pid() {
  local pidf="$1" name="$2" pid i
  if ! pid_alive "$pidf"; then rm -f "$pidf"; say "$name not running"; return; fi
  pid="$(cat "$pidf")"; kill -TERM "$pid"
  for i in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then say "$name did not stop in 30 s; killing"; kill -KILL "$pid"; fi
  rm -f "$pidf"; say "$name stopped"
}
