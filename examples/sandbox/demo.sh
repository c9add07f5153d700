#!/usr/bin/env bash
# Shows certplan end to end on the loopback sandbox: validate, plan, apply,
# plan again (no changes) and status, against pebble and two nginx hosts.
#
#   examples/sandbox/demo.sh [CERTPLAN_BINARY] [--keep]
#
# CERTPLAN_BINARY defaults to build/certplan. The sandbox lives in ./.sandbox
# and is stopped at the end unless --keep is given. Exits non-zero when any
# step fails. Needs root and the packages of scripts/install-deps.sh.
set -euo pipefail

readonly script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly sandbox_script=$script_dir/sandbox.sh
readonly sandbox_dir=.sandbox

binary=build/certplan
keep=false
for argument in "$@"; do
  case "$argument" in
    --keep) keep=true ;;
    -h | --help)
      sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    -*) echo "demo.sh: unknown option '$argument'; use --keep or a path to certplan" >&2; exit 2 ;;
    *) binary=$argument ;;
  esac
done

if [ ! -x "$binary" ]; then
  echo "demo.sh: $binary is missing or not executable; build it with scripts/build.sh or pass its path" >&2
  exit 1
fi

stop_sandbox() {
  "$sandbox_script" stop "$sandbox_dir" >/dev/null
}

# On failure the sandbox is stopped too, unless --keep requests that it stay
# up for a look at its logs.
finish() {
  local status=$?
  if [ "$status" -ne 0 ]; then
    echo >&2
    echo "demo.sh: the demo failed (exit $status)." >&2
  fi
  if [ "$keep" = true ]; then
    echo
    echo "The sandbox keeps running in $sandbox_dir. Stop it with:"
    echo "  examples/sandbox/sandbox.sh stop $sandbox_dir"
  else
    stop_sandbox || true
    echo "The sandbox in $sandbox_dir is stopped (pass --keep to leave it running)."
  fi
  exit "$status"
}

# Runs one certplan command against the sandbox and shows it like a shell
# session would.
step() {
  echo
  echo "\$ certplan $* --config-dir $sandbox_dir/config --env-file $sandbox_dir/.env"
  local status=0
  "$binary" "$@" --config-dir "$sandbox_dir/config" --env-file "$sandbox_dir/.env" \
    | tee "$sandbox_dir/last-output.txt" || status=$?
  if [ "$status" -ne 0 ]; then
    echo "demo.sh: 'certplan $*' failed with exit code $status" >&2
    exit 1
  fi
}

# A previous demo may still run, or have left its files behind.
if [ -d "$sandbox_dir" ]; then
  stop_sandbox
  rm -rf "$sandbox_dir"
fi

echo "Starting the sandbox in $sandbox_dir ..."
"$sandbox_script" start "$sandbox_dir"
trap finish EXIT

step validate
step plan
step apply --auto-approve
step plan
if ! grep -q '^No changes\.' "$sandbox_dir/last-output.txt"; then
  echo "demo.sh: the second plan still has changes; apply did not reach the desired state" >&2
  exit 1
fi
step status
