# shellcheck shell=bash disable=SC2154 # bench_repo comes from the sourcing script
# Shared helpers of the benchmark scripts in bench/. Source it after setting
# bench_repo to the repository root. It defines functions only.
#
# A results file has one line per run: "SECONDS MAX_RSS_KIB EXIT_STATUS".

bench_fail() {
  echo "${0##*/}: $*" >&2
  exit 1
}

bench_require_tools() {
  [ -x /usr/bin/time ] || bench_fail "/usr/bin/time is missing; install it with: scripts/install-deps.sh bench"
  command -v bc >/dev/null || bench_fail "bc is missing; install it with: scripts/install-deps.sh bench"
}

# Runs one command under /usr/bin/time -v, with its output in LOG and the
# time report in LOG.time, and appends its line to RESULTS. The wall time
# is taken around /usr/bin/time, so it also counts the start of the process.
bench_measure() {
  local results=$1 log=$2
  shift 2
  local start end status=0 rss
  start=$(date +%s.%N)
  /usr/bin/time -v -o "$log.time" "$@" >"$log" 2>&1 || status=$?
  end=$(date +%s.%N)
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log.time")
  echo "$(echo "$end - $start" | bc) ${rss:-0} $status" >>"$results"
}

# Prints the cells "| runs | median | min | max | max RSS MiB | statuses |"
# of a results file. The RSS is the largest over the runs.
bench_summarize() {
  sort -n -k1,1 "$1" | awk '
    { t[NR] = $1; if ($2 > rss) rss = $2; s[$3]++ }
    END {
      median = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
      statuses = ""
      for (k in s) statuses = statuses (statuses == "" ? "" : ", ") k " x" s[k]
      printf "| %d | %.2f | %.2f | %.2f | %.1f | %s |\n", NR, median, t[1], t[NR], rss / 1024, statuses
    }'
}

# Prints the median seconds of a results file.
bench_median() {
  sort -n -k1,1 "$1" | awk '{ t[NR] = $1 } END { print (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2 }'
}

# Prints the largest RSS of a results file in MiB.
bench_max_rss_mib() {
  awk '{ if ($2 > rss) rss = $2 } END { printf "%.1f\n", rss / 1024 }' "$1"
}

# Prints "A / B" of two numbers with two decimals.
bench_ratio() {
  echo "scale=2; $1 / $2" | bc
}

# Starts the loopback sandbox in DIR with the given start options, stops it
# when the calling script exits, and sources DIR/sandbox.env.
bench_start_sandbox() {
  local sandbox_dir=$1
  shift
  BENCH_SANDBOX_DIR=$sandbox_dir
  mkdir -p "$(dirname "$sandbox_dir")"
  "$bench_repo/examples/sandbox/sandbox.sh" start "$sandbox_dir" "$@" >"$sandbox_dir.start.log" 2>&1 ||
    bench_fail "sandbox start failed; see $sandbox_dir.start.log"
  trap bench_stop_sandbox EXIT
  # shellcheck disable=SC1091
  source "$sandbox_dir/sandbox.env"
}

bench_stop_sandbox() {
  "$bench_repo/examples/sandbox/sandbox.sh" stop "$BENCH_SANDBOX_DIR" >/dev/null 2>&1 ||
    echo "${0##*/}: stopping the sandbox in $BENCH_SANDBOX_DIR failed" >&2
}
