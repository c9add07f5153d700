#!/usr/bin/env bash
# DNS hook for lego's `exec` provider: adds and removes the DNS-01 TXT record
# through the sandbox's fake IONOS API, as certplan's IONOS provider does.
#
# usage (called by lego): lego_ionos_exec.sh present|cleanup FQDN VALUE
#   FQDN   "_acme-challenge.NAME." with lego's trailing dot
# Environment (set by bench/issue_vs_lego.sh):
#   BENCH_IONOS_URL      base URL of the fake IONOS API
#   BENCH_IONOS_KEY      its API key
#   BENCH_IONOS_ZONE_ID  id of the zone that contains every benchmark name
#   BENCH_LEGO_RECORDS   directory for the id of each added record
# The zone id is looked up once per benchmark run, not per call, and each
# record id is kept from "present" for "cleanup", so each call makes one
# HTTP request, the fewest the API allows.
set -euo pipefail

action=$1
name=${2%.}
value=$3
record_file=$BENCH_LEGO_RECORDS/$name.$value
records_url=$BENCH_IONOS_URL/v1/zones/$BENCH_IONOS_ZONE_ID/records

case "$action" in
  present)
    body=$(printf '[{"name":"%s","type":"TXT","content":"%s","ttl":60}]' "$name" "$value")
    created=$(curl -sS --fail-with-body -X POST -H "X-API-Key: $BENCH_IONOS_KEY" \
      -H 'Content-Type: application/json' --data "$body" "$records_url")
    # The response is a JSON array of the created records, each with its "id".
    id=$(printf '%s' "$created" | sed -n 's/.*"id": *"\([^"]*\)".*/\1/p')
    [ -n "$id" ] || { echo "lego_ionos_exec.sh: no record id in the response: $created" >&2; exit 1; }
    printf '%s\n' "$id" >"$record_file"
    ;;
  cleanup)
    id=$(cat "$record_file")
    curl -sS --fail-with-body -X DELETE -H "X-API-Key: $BENCH_IONOS_KEY" "$records_url/$id" >/dev/null
    rm -f "$record_file"
    ;;
  *)
    echo "lego_ionos_exec.sh: unknown action '$action'; lego calls it with present or cleanup" >&2
    exit 2
    ;;
esac
