#!/usr/bin/env bash
# Measures certplan against the shell loops operators use today, on server
# entries that all point at one loopback sandbox host:
#   observation: `certplan plan` over BENCH_OBSERVE_ENTRIES entries against
#     `xargs -P` running `ssh ... cat fullchain.pem | openssl x509 -enddate`
#     per entry (with OpenSSH's default key exchange, and again with
#     curve25519-sha256), and against the floor `xargs -P` running
#     `ssh ... true`;
#   apply: `certplan apply` of one certificate to BENCH_APPLY_ENTRIES
#     entries against `certplan plan` of the same entries.
# Prints Markdown tables of wall time (median, min, max) and peak memory.
#
# usage: bench/observe_fleet.sh WORKDIR [CERTPLAN]
#   WORKDIR   new or empty directory for the sandbox (stopped on exit)
#   CERTPLAN  certplan binary (default ./build/certplan)
# Environment:
#   BENCH_RUNS             runs per case (default 5)
#   BENCH_OBSERVE_ENTRIES  entries for the observation cases (default 200)
#   BENCH_APPLY_ENTRIES    entries for the apply cases (default 100)
#   BENCH_PARALLELISM      certplan --parallelism and xargs -P (default 10)
# Run as root: the sandbox starts sshd and adds a user and a sudoers file.
set -euo pipefail

bench_repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$bench_repo/bench/lib.sh"

[ $# -ge 1 ] || bench_fail "usage: bench/observe_fleet.sh WORKDIR [CERTPLAN]"
dir=$(realpath -m -- "$1")
certplan=$(realpath -m -- "${2:-$bench_repo/build/certplan}")
runs=${BENCH_RUNS:-5}
observe_entries=${BENCH_OBSERVE_ENTRIES:-200}
apply_entries=${BENCH_APPLY_ENTRIES:-100}
parallelism=${BENCH_PARALLELISM:-10}

[ -x "$certplan" ] || bench_fail "certplan binary $certplan is missing; build it with scripts/build.sh or pass its path"
bench_require_tools

# Starts the sandbox with one host and deploys a certificate from pebble to
# its nginx, so the HTTPS probe of every entry gets a certificate that pebble issued.
prepare() {
  bench_start_sandbox "$dir" --hosts 1
  (cd "$dir" && "$certplan" --no-color apply --auto-approve) >"$dir/initial-apply.log" 2>&1 ||
    bench_fail "the first apply to web-01 failed; see $dir/initial-apply.log"
  mkdir -p "$dir/results" "$dir/logs"
  ssh_options=(-F /dev/null -i "$SSH_KEY" -o UserKnownHostsFile="$KNOWN_HOSTS"
    -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes -o BatchMode=yes
    -p "$SSH_PORT")
}

# Writes DIR/config-SET/ with COUNT entries that share web-01's SSH login,
# each with its own cert_path under HOST_1_CERT_DIR/SET/, and the one domain
# example.com on all of them.
write_config() {
  local set=$1 count=$2 config=$dir/config-$1 i
  mkdir -p "$config"
  {
    echo "servers:"
    for i in $(seq -f %04g 1 "$count"); do
      cat <<YAML
  - name: $set-$i
    host: $HOST_1_ADDRESS
    port: $SSH_PORT
    user: $SSH_USER
    ssh_key_path: $SSH_KEY
    known_hosts_path: $KNOWN_HOSTS
    nginx_test_command: "true"
    nginx_reload_command: "true"
    cert_path: $HOST_1_CERT_DIR/$set/$i
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
    for i in $(seq -f %04g 1 "$count"); do echo "      - $set-$i"; done
  } >"$config/domains.yaml"
}

# Gives every entry of SET an empty cert_path, or with FILL=copy a copy of
# the certificate and key that web-01's nginx serves.
reset_files() {
  local set=$1 count=$2 fill=${3:-empty} i
  rm -rf "${HOST_1_CERT_DIR:?}/$set"
  mkdir -p "$HOST_1_CERT_DIR/$set"
  for i in $(seq -f %04g 1 "$count"); do
    mkdir "$HOST_1_CERT_DIR/$set/$i"
    if [ "$fill" = copy ]; then
      cp "$HOST_1_CERT_DIR/example.com/fullchain.pem" "$HOST_1_CERT_DIR/$set/$i/"
      install -m 0600 "$HOST_1_CERT_DIR/example.com/privkey.pem" "$HOST_1_CERT_DIR/$set/$i/"
    fi
  done
  chown -R "$SSH_USER:" "$HOST_1_CERT_DIR/$set"
}

run_plan() {
  local case_name=$1 label=$2 set=$3
  bench_measure "$dir/results/$case_name" "$dir/logs/$label.log" \
    "$certplan" --no-color --config-dir "$dir/config-$set" --env-file "$dir/.env" \
    plan --parallelism "$parallelism"
}

# The loop an operator would write: one ssh per entry that prints the
# certificate, and openssl that reads its expiry. Extra ssh options (the
# key exchange) may follow the four arguments.
run_ssh_loop() {
  local case_name=$1 label=$2 set=$3 count=$4
  shift 4
  local per_entry="ssh ${ssh_options[*]} $* $SSH_USER@$HOST_1_ADDRESS cat $HOST_1_CERT_DIR/$set/{}/fullchain.pem | openssl x509 -noout -enddate"
  bench_measure "$dir/results/$case_name" "$dir/logs/$label.log" \
    bash -c "seq -f %04g 1 $count | xargs -P $parallelism -I{} sh -c '$per_entry'"
}

# The floor: one ssh login per entry that runs nothing, with the cheapest
# key exchange.
run_ssh_floor() {
  local case_name=$1 label=$2 count=$3
  bench_measure "$dir/results/$case_name" "$dir/logs/$label.log" \
    bash -c "seq 1 $count | xargs -P $parallelism -I{} ssh ${ssh_options[*]} -o KexAlgorithms=curve25519-sha256 $SSH_USER@$HOST_1_ADDRESS true"
}

run_apply() {
  local case_name=$1 label=$2 set=$3 count=$4
  reset_files "$set" "$count"
  bench_measure "$dir/results/$case_name" "$dir/logs/$label.log" \
    "$certplan" --no-color --config-dir "$dir/config-$set" --env-file "$dir/.env" \
    apply --auto-approve --parallelism "$parallelism"
}

row() {
  printf '| %s ' "$1"
  bench_summarize "$dir/results/$2"
}

report() {
  echo "| command | runs | median s | min s | max s | max RSS MiB | exit status x runs |"
  echo "| --- | --- | --- | --- | --- | --- | --- |"
  row "certplan plan, $observe_entries entries" plan-observe
  row "xargs -P $parallelism ssh cat + openssl x509, $observe_entries entries" ssh-loop
  row "the same loop with curve25519-sha256, $observe_entries entries" ssh-loop-curve25519
  row "xargs -P $parallelism ssh true (curve25519-sha256), $observe_entries entries" ssh-floor
  row "certplan apply, $apply_entries entries" apply
  row "certplan plan, the same $apply_entries entries" plan-apply-set
  echo
  local plan floor loop apply plan_small
  plan=$(bench_median "$dir/results/plan-observe")
  floor=$(bench_median "$dir/results/ssh-floor")
  loop=$(bench_median "$dir/results/ssh-loop")
  apply=$(bench_median "$dir/results/apply")
  plan_small=$(bench_median "$dir/results/plan-apply-set")
  echo "plan / floor (medians): $(bench_ratio "$plan" "$floor")"
  echo "ssh loop / plan (medians): $(bench_ratio "$loop" "$plan")"
  echo "ssh loop with curve25519-sha256 / plan (medians): $(bench_ratio "$(bench_median "$dir/results/ssh-loop-curve25519")" "$plan")"
  echo "apply / plan of the same entries (medians): $(bench_ratio "$apply" "$plan_small")"
}

main() {
  prepare
  write_config observe "$observe_entries"
  reset_files observe "$observe_entries" copy
  write_config apply "$apply_entries"
  echo "uptime before: $(uptime)"
  echo
  local r
  for r in $(seq 1 "$runs"); do
    run_plan plan-observe "r$r-plan-observe" observe
    run_ssh_loop ssh-loop "r$r-ssh-loop" observe "$observe_entries"
    run_ssh_loop ssh-loop-curve25519 "r$r-ssh-loop-curve25519" observe "$observe_entries" \
      -o KexAlgorithms=curve25519-sha256
    run_ssh_floor ssh-floor "r$r-ssh-floor" "$observe_entries"
  done
  for r in $(seq 1 "$runs"); do
    run_apply apply "r$r-apply" apply "$apply_entries"
    run_plan plan-apply-set "r$r-plan-apply-set" apply
  done
  report
  echo
  echo "uptime after: $(uptime)"
}

main
