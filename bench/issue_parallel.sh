#!/usr/bin/env bash
# Measures `certplan apply --auto-approve` issuing certificates for many
# domains from the sandbox's pebble through the fake IONOS API, once with the
# default issuance concurrency and once one domain after another
# (--parallelism 1). Prints a Markdown table of wall time (median, min, max)
# and peak memory per case on stdout.
#
# usage: bench/issue_parallel.sh WORKDIR [CERTPLAN]
#   WORKDIR   new or empty directory for the sandbox (stopped on exit)
#   CERTPLAN  certplan binary (default ./build/certplan)
# Environment:
#   BENCH_DOMAINS  domains issued by each run (default 20)
#   BENCH_RUNS     runs per case (default 5); the cases alternate run by run
# Every run uses new domain names, so each one issues every domain afresh.
# The output and the /usr/bin/time -v report of each run are kept in
# WORKDIR/runs/LABEL/.
# Run as root: the sandbox starts sshd and adds a user and a sudoers file.
set -euo pipefail

readonly repo=$(cd "$(dirname "$0")/.." && pwd)
readonly sandbox=$repo/examples/sandbox/sandbox.sh
# The one zone of the fake IONOS API. Every bench domain lies inside it.
readonly zone=bench.test
# certplan's default of --parallelism (cli/command_line.h). It bounds the
# issues that run at once as well as the servers. The table shows it.
readonly default_parallelism=10

fail() {
  echo "issue_parallel.sh: $*" >&2
  exit 1
}

[ $# -ge 1 ] || fail "usage: bench/issue_parallel.sh WORKDIR [CERTPLAN]"
dir=$(realpath -m -- "$1")
certplan=$(realpath -m -- "${2:-$repo/build/certplan}")
domain_count=${BENCH_DOMAINS:-20}
runs=${BENCH_RUNS:-5}

[ -x "$certplan" ] || fail "certplan binary $certplan is missing; build it with scripts/build.sh or pass its path"
[ -x /usr/bin/time ] || fail "/usr/bin/time is missing; install it with: apt-get install time"
[[ "$domain_count" =~ ^[1-9][0-9]*$ ]] || fail "BENCH_DOMAINS must be a positive number, got '$domain_count'"
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || fail "BENCH_RUNS must be a positive number, got '$runs'"

stop_sandbox() {
  "$sandbox" stop "$dir" >/dev/null 2>&1 || echo "issue_parallel.sh: stopping the sandbox in $dir failed" >&2
}

# Starts the sandbox with one host, which the bench leaves alone (sandbox.sh
# needs at least one), and the fake IONOS API serving the bench zone.
prepare_sandbox() {
  mkdir -p "$(dirname "$dir")"
  "$sandbox" start "$dir" --hosts 1 --domain "$zone" >"$dir.start.log" 2>&1 ||
    fail "sandbox start failed; see $dir.start.log"
  trap stop_sandbox EXIT
  # shellcheck disable=SC1091
  source "$dir/sandbox.env"
}

# Prints the domain names of one run: LABEL-01.bench.test, LABEL-02...
# Every label starts with this invocation's random token, so even a reused
# WORKDIR, whose store keeps earlier certificates, gets new names.
domain_names() {
  local label=$1 i
  for i in $(seq 1 "$domain_count"); do
    printf '%s-%02d.%s\n' "$label" "$i" "$zone"
  done
}

# Writes a config directory whose domains.yaml lists the domains of LABEL,
# each with an empty server list, and whose servers.yaml lists no server,
# so apply connects to no host and only issues into the store.
write_run_config() {
  local label=$1 config=$dir/runs/$1/config domain
  mkdir -p "$config"
  echo "servers: []" >"$config/servers.yaml"
  {
    echo "# $domain_count bench domains of run $label, issued only."
    echo "domains:"
    for domain in $(domain_names "$label"); do
      echo "  - domain: $domain"
      echo "    dns_provider: ionos"
      echo "    servers: []"
    done
  } >"$config/domains.yaml"
}

# Counts the domains of LABEL whose certificate is in the store.
count_issued() {
  local label=$1 domain issued=0
  for domain in $(domain_names "$label"); do
    [ -s "$CERT_BASE_PATH/$domain/fullchain.cer" ] && issued=$((issued + 1))
  done
  echo "$issued"
}

# Issues one domain without measuring it, so that the ACME account exists
# and the first measured run does not include its registration.
register_account() {
  local label=$token-warmup log=$dir/runs/$token-warmup/apply.log
  # bash scopes a local dynamically, so the functions called here see 1.
  local domain_count=1
  write_run_config "$label"
  "$certplan" --no-color --config-dir "$dir/runs/$label/config" --env-file "$dir/.env" \
    apply --auto-approve >"$log" 2>&1 || fail "the warm-up apply failed; see $log"
}

# Runs one apply of the domains of LABEL under /usr/bin/time and appends
# "SECONDS MAX_RSS_KIB EXIT_STATUS ISSUED" to the file RESULTS. Further
# arguments go to apply; the parallel case passes none, so it measures the
# default.
measure() {
  local results=$1 label=$2
  shift 2
  local log=$dir/runs/$label/apply.log start end status=0 rss
  write_run_config "$label"
  start=$(date +%s.%N)
  /usr/bin/time -v -o "$log.time" "$certplan" --no-color --config-dir "$dir/runs/$label/config" \
    --env-file "$dir/.env" apply --auto-approve "$@" >"$log" 2>&1 || status=$?
  end=$(date +%s.%N)
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log.time")
  echo "$(echo "$end - $start" | bc) $rss $status $(count_issued "$label")" >>"$results"
}

# Prints the table cells of a results file: runs, median, min and max
# seconds, the largest max RSS in MiB, the fewest certificates one run
# issued and the count of each exit status.
summarize() {
  local results=$1
  sort -n -k1,1 "$results" | awk '
    NR == 1 { fewest = $4 }
    { t[NR] = $1; if ($2 > rss) rss = $2; if ($4 < fewest) fewest = $4; s[$3]++ }
    END {
      median = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
      statuses = ""
      for (k in s) statuses = statuses (statuses == "" ? "" : ", ") k " x" s[k]
      printf "| %d | %.2f | %.2f | %.2f | %.1f | %d | %s |\n", NR, median, t[1], t[NR], rss / 1024, fewest, statuses
    }'
}

main() {
  token=$(openssl rand -hex 3)
  prepare_sandbox
  # The store of every run, as the sandbox's .env sets it.
  CERT_BASE_PATH=$(awk -F= '$1 == "CERT_BASE_PATH" { print $2 }' "$dir/.env")
  local parallel_results=$dir/runs/parallel.results serial_results=$dir/runs/serial.results
  mkdir -p "$dir/runs"
  : >"$parallel_results"
  : >"$serial_results"

  register_account
  echo "uptime before: $(uptime)"
  local run
  for run in $(seq 1 "$runs"); do
    # Odd runs start with the parallel case and even runs with the serial
    # one, so that neither case always runs on a machine the other warmed.
    if [ $((run % 2)) -eq 1 ]; then
      measure "$parallel_results" "$token-r$run-parallel"
      measure "$serial_results" "$token-r$run-serial" --parallelism 1
    else
      measure "$serial_results" "$token-r$run-serial" --parallelism 1
      measure "$parallel_results" "$token-r$run-parallel"
    fi
  done
  echo "uptime after: $(uptime)"
  echo
  echo "| case | domains | parallelism | runs | median s | min s | max s | max RSS MiB | fewest issued in a run | exit status x runs |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
  printf '| parallel | %d | %d ' "$domain_count" "$default_parallelism"
  summarize "$parallel_results"
  printf '| one after another | %d | 1 ' "$domain_count"
  summarize "$serial_results"
}

main
