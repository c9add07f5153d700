#!/usr/bin/env bash
# Runs every benchmark in bench/ one after another and prints their tables,
# preceded by the facts about the machine that docs/benchmarks.md records.
#
# usage: bench/run-all.sh WORKDIR [BUILD_DIR]
#   WORKDIR    new or empty directory; each benchmark gets a subdirectory
#              and its output is also kept in WORKDIR/NAME.out
#   BUILD_DIR  build directory configured with -DCERTPLAN_BENCH=ON that contains
#              certplan and bench/certplan_planner_bench (default ./build)
# Environment: each script's own variables (BENCH_RUNS and others) pass
# through. BENCH_RUNS_1000_P1 defaults to 1 here (see docs/benchmarks.md).
# Run as root, on a machine where nothing else runs: the numbers are wall
# times on 2 or more cores shared by certplan, sshd, nginx and pebble.
set -uo pipefail

bench_repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$bench_repo/bench/lib.sh"

[ $# -ge 1 ] || bench_fail "usage: bench/run-all.sh WORKDIR [BUILD_DIR]"
[ "$(id -u)" -eq 0 ] || bench_fail "run it as root: the sandbox starts sshd and adds a user"
dir=$(realpath -m -- "$1")
build=$(realpath -m -- "${2:-$bench_repo/build}")
certplan=$build/certplan
planner_bench=$build/bench/certplan_planner_bench
export BENCH_RUNS_1000_P1=${BENCH_RUNS_1000_P1:-1}

[ -x "$certplan" ] || bench_fail "$certplan is missing; build it with: cmake -S . -B $build -G Ninja -DCERTPLAN_BENCH=ON && ninja -C $build certplan certplan_planner_bench"
[ -x "$planner_bench" ] || bench_fail "$planner_bench is missing; configure $build with -DCERTPLAN_BENCH=ON and run: ninja -C $build certplan_planner_bench"
mkdir -p "$dir"

machine() {
  echo "| what | value |"
  echo "| --- | --- |"
  echo "| cores (\`nproc\`) | $(nproc) |"
  echo "| CPU | $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | sort -u | head -1) |"
  echo "| memory (\`free -h\`) | $(free -h | awk '/^Mem:/ {print $2 " total, " $7 " available"}') |"
  echo "| \`ulimit -n\` | $(ulimit -n) |"
  echo "| OpenSSH | $(ssh -V 2>&1) |"
  echo "| lego | $(dpkg-query -W -f '${Version}' lego 2>/dev/null || echo missing) (Debian package) |"
  echo "| pebble | $(dpkg-query -W -f '${Version}' pebble 2>/dev/null || echo missing) (Debian package) |"
  echo "| certplan | $("$certplan" --version 2>&1 | head -1), commit $(git -C "$bench_repo" rev-parse --short HEAD 2>/dev/null || echo unknown) |"
  echo "| \`uptime\` before | $(uptime) |"
}

failed=()

# Runs one benchmark script, prints its output and keeps it in WORKDIR.
run() {
  local name=$1
  shift
  echo
  echo "## $name"
  echo
  echo "\$ $*"
  echo
  if ! "$@" 2>&1 | tee "$dir/$name.out"; then
    failed+=("$name")
  fi
}

main() {
  echo "# bench/run-all.sh $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  machine
  run planner "$planner_bench"
  run issue_vs_lego "$bench_repo/bench/issue_vs_lego.sh" "$dir/issue_vs_lego" "$certplan"
  run observe_fleet "$bench_repo/bench/observe_fleet.sh" "$dir/observe_fleet" "$certplan"
  run issue_parallel "$bench_repo/bench/issue_parallel.sh" "$dir/issue_parallel" "$certplan"
  run observe_apply "$bench_repo/bench/observe_apply.sh" "$dir/observe_apply" "$certplan"
  echo
  echo "\`uptime\` after: $(uptime)"
  if [ ${#failed[@]} -gt 0 ]; then
    echo "run-all.sh: these benchmarks failed: ${failed[*]}; see their output above and in $dir" >&2
    exit 1
  fi
}

main
