#!/usr/bin/env bash
# Measures `certplan plan` and `certplan apply --auto-approve` against many
# server entries that all point at one loopback sandbox host, and prints a
# Markdown table of wall time (median, min, max) and peak memory per case.
#
# usage: bench/observe_apply.sh WORKDIR [CERTPLAN]
#   WORKDIR   new or empty directory for the sandbox (stopped on exit)
#   CERTPLAN  certplan binary (default ./build/certplan)
# Environment:
#   BENCH_SIZES        entry counts to measure (default "100 1000")
#   BENCH_RUNS         runs per case (default 5)
#   BENCH_RUNS_1000_P1 runs of apply and of plan with 1,000 entries at
#                      parallelism 1 (default 3, because one run takes minutes)
# Run as root: the sandbox starts sshd and adds a user and a sudoers file.
set -euo pipefail

readonly repo=$(cd "$(dirname "$0")/.." && pwd)
readonly sandbox=$repo/examples/sandbox/sandbox.sh

fail() {
  echo "observe_apply.sh: $*" >&2
  exit 1
}

[ $# -ge 1 ] || fail "usage: bench/observe_apply.sh WORKDIR [CERTPLAN]"
dir=$(realpath -m -- "$1")
certplan=$(realpath -m -- "${2:-$repo/build/certplan}")
sizes=${BENCH_SIZES:-100 1000}
runs=${BENCH_RUNS:-5}
runs_large_serial=${BENCH_RUNS_1000_P1:-3}

[ -x "$certplan" ] || fail "certplan binary $certplan is missing; build it with scripts/build.sh or pass its path"
[ -x /usr/bin/time ] || fail "/usr/bin/time is missing; install it with: apt-get install time"

stop_sandbox() {
  "$sandbox" stop "$dir" >/dev/null 2>&1 || echo "observe_apply.sh: stopping the sandbox in $dir failed" >&2
}

# Starts the sandbox with one host and deploys a real certificate to its
# nginx, so every bench entry later verifies against a served certificate.
prepare_sandbox() {
  "$sandbox" start "$dir" --hosts 1 >"$dir.start.log" 2>&1 ||
    fail "sandbox start failed; see $dir.start.log"
  trap stop_sandbox EXIT
  # shellcheck disable=SC1091
  source "$dir/sandbox.env"

  (cd "$dir" && "$certplan" --no-color apply --auto-approve) >"$dir/initial-apply.log" 2>&1 ||
    fail "the first apply to web-01 failed; see $dir/initial-apply.log"
}

# Writes DIR/bench-N/config with N entries named bench-0001... that share
# web-01's SSH login, each with its own cert_path, and one domain on all.
write_bench_config() {
  local count=$1
  local config=$dir/bench-$count/config i name
  mkdir -p "$config"
  {
    echo "# $count bench entries, all on sandbox host $HOST_1_NAME."
    echo "servers:"
    for i in $(seq 1 "$count"); do
      name=$(printf 'bench-%04d' "$i")
      cat <<YAML
  - name: $name
    host: $HOST_1_ADDRESS
    port: $SSH_PORT
    user: $SSH_USER
    ssh_key_path: $SSH_KEY
    known_hosts_path: $KNOWN_HOSTS
    nginx_test_command: "true"
    nginx_reload_command: "true"
    cert_path: $HOST_1_CERT_DIR/bench/$(printf '%04d' "$i")
    https_port: $HTTPS_PORT
YAML
    done
  } >"$config/servers.yaml"

  {
    echo "domains:"
    echo "  - domain: example.com"
    echo "    alt_names: [www.example.com]"
    echo "    dns_provider: ionos"
    echo "    servers:"
    for i in $(seq 1 "$count"); do
      printf '      - bench-%04d\n' "$i"
    done
  } >"$config/domains.yaml"
}

# Empties every entry's cert_path so the next apply deploys to all of them.
reset_bench_files() {
  local count=$1 i
  rm -rf "$HOST_1_CERT_DIR/bench"
  mkdir -p "$HOST_1_CERT_DIR/bench"
  for i in $(seq 1 "$count"); do
    mkdir "$HOST_1_CERT_DIR/bench/$(printf '%04d' "$i")"
  done
  chown -R "$SSH_USER:" "$HOST_1_CERT_DIR/bench"
}

# Runs one certplan command under /usr/bin/time and appends
# "SECONDS MAX_RSS_KIB EXIT_STATUS" to the file RESULTS.
measure() {
  local results=$1 log=$2
  shift 2
  local start end status=0 rss
  start=$(date +%s.%N)
  /usr/bin/time -v -o "$log.time" "$certplan" --no-color --config-dir "$config_dir" \
    --env-file "$dir/.env" "$@" >"$log" 2>&1 || status=$?
  end=$(date +%s.%N)
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log.time")
  echo "$(echo "$end - $start" | bc) $rss $status" >>"$results"
}

# Prints the table cells of a results file: runs, median, min and max
# seconds, the largest max RSS in MiB and the count of each exit status.
summarize() {
  local results=$1
  sort -n -k1,1 "$results" | awk '
    { t[NR] = $1; if ($2 > rss) rss = $2; s[$3]++ }
    END {
      median = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
      statuses = ""
      for (k in s) statuses = statuses (statuses == "" ? "" : ", ") k " x" s[k]
      printf "| %d | %.2f | %.2f | %.2f | %.1f | %s |\n", NR, median, t[1], t[NR], rss / 1024, statuses
    }'
}

run_case() {
  local command=$1 count=$2 parallelism=$3 count_runs=$4
  local results=$dir/bench-$count/$command-p$parallelism.results run
  : >"$results"
  for run in $(seq 1 "$count_runs"); do
    local log=$dir/bench-$count/$command-p$parallelism-$run.log
    if [ "$command" = apply ]; then
      reset_bench_files "$count"
      measure "$results" "$log" apply --auto-approve --parallelism "$parallelism"
    else
      measure "$results" "$log" plan --parallelism "$parallelism"
    fi
  done
  printf '| %s | %d | %s ' "$command" "$count" "$parallelism"
  summarize "$results"
}

main() {
  mkdir -p "$(dirname "$dir")"
  prepare_sandbox
  echo "uptime before: $(uptime)"
  echo
  echo "| command | entries | parallelism | runs | median s | min s | max s | max RSS MiB | exit status x runs |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
  local count parallelism count_runs
  for count in $sizes; do
    write_bench_config "$count"
    config_dir=$dir/bench-$count/config
    for parallelism in 1 10; do
      count_runs=$runs
      [ "$count" -ge 1000 ] && [ "$parallelism" -eq 1 ] && count_runs=$runs_large_serial
      run_case apply "$count" "$parallelism" "$count_runs"
    done
    # plan runs after the apply runs, so every entry has its files.
    for parallelism in 1 10; do
      count_runs=$runs
      [ "$count" -ge 1000 ] && [ "$parallelism" -eq 1 ] && count_runs=$runs_large_serial
      run_case plan "$count" "$parallelism" "$count_runs"
    done
  done
  echo
  echo "uptime after: $(uptime)"
}

main
