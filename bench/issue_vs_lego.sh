#!/usr/bin/env bash
# Measures DNS-01 issuance by certplan against lego (Debian package lego,
# exec DNS provider) on the loopback sandbox: pebble, pebble-challtestsrv and
# the fake IONOS API. Prints a Markdown table of wall time (median, min,
# max) and peak memory per case.
#
# usage: bench/issue_vs_lego.sh WORKDIR [CERTPLAN]
#   WORKDIR   new or empty directory for the sandbox (stopped on exit)
#   CERTPLAN  certplan binary (default ./build/certplan)
# Environment:
#   BENCH_RUNS  runs per case (default 5)
# Run as root: the sandbox starts sshd and adds a user and a sudoers file.
#
# Each round runs every case once, in turn, so that a change of load hits
# all cases alike. The cases:
#   1 certificate with 1 name: one certplan apply, one lego run.
#   1 certificate with 2 names: one certplan apply, one lego run.
#   10 certificates for 10 domains: one certplan apply, 10 lego runs one
#   after another, and 10 lego processes at once.
# Every run uses names no earlier run used, so pebble reuses no
# authorization.
set -euo pipefail

bench_repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$bench_repo/bench/lib.sh"

[ $# -ge 1 ] || bench_fail "usage: bench/issue_vs_lego.sh WORKDIR [CERTPLAN]"
dir=$(realpath -m -- "$1")
certplan=$(realpath -m -- "${2:-$bench_repo/build/certplan}")
runs=${BENCH_RUNS:-5}
readonly zone=bench.example
readonly exec_hook=$bench_repo/bench/lego_ionos_exec.sh

[ -x "$certplan" ] || bench_fail "certplan binary $certplan is missing; build it with scripts/build.sh or pass its path"
command -v lego >/dev/null || bench_fail "lego is missing; install it with: scripts/install-deps.sh bench"
bench_require_tools

# Reads one KEY=VALUE line of the sandbox's .env.
env_value() {
  sed -n "s/^$1=//p" "$dir/.env"
}

# Prints the fake IONOS API's id of the zone that contains every benchmark name.
zone_id() {
  curl -sS --fail -H "X-API-Key: $(env_value IONOS_API_KEY)" "$IONOS_API_URL/v1/zones" |
    python3 -c 'import json, sys; print(next(z["id"] for z in json.load(sys.stdin) if z["name"] == sys.argv[1]))' "$zone"
}

prepare() {
  bench_start_sandbox "$dir" --hosts 1 --domain "$zone"
  export BENCH_IONOS_URL=$IONOS_API_URL
  BENCH_IONOS_KEY=$(env_value IONOS_API_KEY)
  BENCH_IONOS_ZONE_ID=$(zone_id)
  export BENCH_IONOS_KEY BENCH_IONOS_ZONE_ID
  export BENCH_LEGO_RECORDS=$dir/lego-records
  mkdir -p "$BENCH_LEGO_RECORDS" "$dir/results" "$dir/logs"

  # lego's fastest honest settings: no pause between the names of one
  # certificate and no DNS propagation wait, because the fake IONOS API
  # writes to pebble's DNS server before it answers.
  export EXEC_PATH=$exec_hook EXEC_POLLING_INTERVAL=0 EXEC_SEQUENCE_INTERVAL=0
  export EXEC_PROPAGATION_TIMEOUT=30
  export LEGO_CA_CERTIFICATES=$dir/ca/ca.pem
  # All DNS queries of lego go to the sandbox's DNS server, never elsewhere.
  export LEGO_DISABLE_CNAME_SUPPORT=true
}

# Writes a certplan configuration that issues the given domains into the
# local store and deploys them nowhere. Each argument is "NAME[,ALT]".
write_certplan_config() {
  local config=$1 entry
  shift
  mkdir -p "$config"
  echo "servers: []" >"$config/servers.yaml"
  {
    echo "domains:"
    for entry in "$@"; do
      echo "  - domain: ${entry%%,*}"
      if [ "$entry" != "${entry%%,*}" ]; then
        echo "    alt_names: [${entry#*,}]"
      else
        echo "    alt_names: []"
      fi
      echo "    dns_provider: ionos"
      echo "    servers: []"
    done
  } >"$config/domains.yaml"
}

# Runs one certplan apply that issues the given domains ("NAME[,ALT]" each).
run_certplan() {
  local case_name=$1 label=$2
  shift 2
  local config=$dir/config-$label
  write_certplan_config "$config" "$@"
  bench_measure "$dir/results/$case_name" "$dir/logs/$label.log" \
    "$certplan" --no-color --config-dir "$config" --env-file "$dir/.env" apply --auto-approve
}

# Prints the lego command line for one certificate ("NAME[,ALT]").
lego_command() {
  local entry=$1 names
  IFS=, read -ra names <<<"$entry"
  local domain_options=() name
  for name in "${names[@]}"; do domain_options+=(-d "$name"); done
  echo lego --server "$PEBBLE_URL" --email ops@example.com --accept-tos --path "$dir/lego" \
    --key-type ec256 --dns exec --dns.disable-cp --dns.resolvers "$DNS_SERVER" \
    "${domain_options[@]}" run
}

# Runs lego once for one certificate ("NAME[,ALT]").
run_lego_one() {
  local case_name=$1 label=$2 entry=$3
  # shellcheck disable=SC2046
  bench_measure "$dir/results/$case_name" "$dir/logs/$label.log" $(lego_command "$entry")
}

# Runs lego once per domain, one after another or all at once, inside one
# shell that /usr/bin/time measures. Its peak RSS is that of the largest
# single lego process. The sum over the processes of a parallel run goes to
# RESULTS.sum, one line per run.
run_lego_many() {
  local case_name=$1 label=$2 mode=$3
  shift 3
  local script=$dir/logs/$label.sh entry i=0
  {
    echo "status=0"
    for entry in "$@"; do
      i=$((i + 1))
      if [ "$mode" = parallel ]; then
        echo "/usr/bin/time -v -o $dir/logs/$label-$i.time $(lego_command "$entry") >$dir/logs/$label-$i.log 2>&1 &"
      else
        echo "/usr/bin/time -v -o $dir/logs/$label-$i.time $(lego_command "$entry") >$dir/logs/$label-$i.log 2>&1 || status=1"
      fi
    done
    if [ "$mode" = parallel ]; then
      # shellcheck disable=SC2016 # expanded by the generated script
      echo 'for job in $(jobs -p); do wait "$job" || status=1; done'
    fi
    # shellcheck disable=SC2016 # expanded by the generated script
    echo 'exit $status'
  } >"$script"
  bench_measure "$dir/results/$case_name" "$dir/logs/$label.log" bash "$script"
  awk -F': ' '/Maximum resident set size/ { sum += $2 } END { print sum }' \
    "$dir"/logs/"$label"-*.time >>"$dir/results/$case_name.sum"
}

# Ten fresh domain names for one run: PREFIX-01.zone to PREFIX-10.zone.
ten_names() {
  local prefix=$1 i
  for i in $(seq -w 1 10); do echo "$prefix-$i.$zone"; done
}

# Registers the ACME accounts of certplan and lego before any measured run,
# so no measured run includes an account registration.
warm_up() {
  run_certplan warm-up warm-up-certplan "warm-c.$zone"
  run_lego_one warm-up warm-up-lego "warm-l.$zone"
  local failed
  failed=$(awk '$3 != 0' "$dir/results/warm-up")
  [ -z "$failed" ] || bench_fail "the warm-up issuance failed; see $dir/logs/warm-up-*.log"
}

round() {
  local r=$1
  run_certplan certplan-1 "r$r-c1" "r$r-c1.$zone"
  run_lego_one lego-1 "r$r-l1" "r$r-l1.$zone"
  run_certplan certplan-2 "r$r-c2" "r$r-c2.$zone,www.r$r-c2.$zone"
  run_lego_one lego-2 "r$r-l2" "r$r-l2.$zone,www.r$r-l2.$zone"
  # shellcheck disable=SC2046
  run_certplan certplan-10 "r$r-c10" $(ten_names "r$r-c10")
  # shellcheck disable=SC2046
  run_lego_many lego-10-serial "r$r-ls10" serial $(ten_names "r$r-ls10")
  # shellcheck disable=SC2046
  run_lego_many lego-10-parallel "r$r-lp10" parallel $(ten_names "r$r-lp10")
}

row() {
  local tool=$1 work=$2 case_name=$3 note=${4:-}
  printf '| %s | %s ' "$tool" "$work"
  bench_summarize "$dir/results/$case_name" | sed "s/|\$/| $note |/"
}

report() {
  local sum_mib
  sum_mib=$(awk '{ if ($1 > m) m = $1 } END { printf "%.1f", m / 1024 }' "$dir/results/lego-10-parallel.sum")
  echo "| tool | work | runs | median s | min s | max s | max RSS MiB | exit status x runs | note |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
  row certplan "1 certificate, 1 name" certplan-1
  row lego "1 certificate, 1 name" lego-1
  row certplan "1 certificate, 2 names" certplan-2
  row lego "1 certificate, 2 names" lego-2
  row certplan "10 certificates, one apply" certplan-10
  row lego "10 certificates, 10 runs one after another" lego-10-serial "RSS of the largest process"
  row lego "10 certificates, 10 processes at once" lego-10-parallel \
    "RSS of the largest process; the 10 together: up to $sum_mib MiB"
  echo
  echo "certplan 10 certificates / lego 10 at once (medians): $(bench_ratio "$(bench_median "$dir/results/certplan-10")" "$(bench_median "$dir/results/lego-10-parallel")")"
  echo "certplan 2 names / lego 1 name (medians): $(bench_ratio "$(bench_median "$dir/results/certplan-2")" "$(bench_median "$dir/results/lego-1")")"
}

main() {
  prepare
  warm_up
  echo "uptime before: $(uptime)"
  echo
  local r
  for r in $(seq 1 "$runs"); do round "$r"; done
  report
  echo
  echo "uptime after: $(uptime)"
}

main
