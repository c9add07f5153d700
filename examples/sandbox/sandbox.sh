#!/usr/bin/env bash
# Starts and stops a self-contained certplan sandbox on loopback addresses:
# a throwaway CA, pebble with pebble-challtestsrv, the fake IONOS DNS API and
# N test hosts, each an sshd and an nginx. It writes the configuration and the
# .env that certplan needs to run against these services.
#
#   sandbox.sh start DIR [--base 127.A.B] [--hosts N] [--domain NAME]...
#   sandbox.sh stop DIR
#
# start exits 3 when the base given with --base is in use, and 1 on any other
# failure, after stopping what it had started.
#
# Services listen on 127.A.B.1, host i on 127.A.B.(10+i). Needs root and the
# packages of scripts/install-deps.sh. See docs/sandbox.md.
set -euo pipefail

readonly sandbox_user=certplan-sandbox
readonly script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly claims_dir=/run/certplan-sandbox-bases
readonly start_timeout_tenths=100  # every service gets about 10 s to come up

# Ports on the services address 127.A.B.1.
readonly pebble_port=14000
readonly pebble_management_port=15000
readonly dns_port=8053
readonly challtestsrv_port=8055
readonly ionos_port=8081
# Ports on each host address 127.A.B.(10+i).
readonly ssh_port=2222
readonly https_port=8443

usage() {
  cat >&2 <<'EOF'
usage: sandbox.sh start DIR [--base 127.A.B] [--hosts N] [--domain NAME]...
       sandbox.sh stop DIR
EOF
  exit 2
}

fail() {
  echo "sandbox.sh: $*" >&2
  exit 1
}

# Exit code 3 tells a caller that picked the base to retry with another one.
fail_busy_base() {
  echo "sandbox.sh: $*" >&2
  exit 3
}

log() {
  echo "sandbox.sh: $*" >&2
}

# ---------------------------------------------------------------- helpers

# Prints the local addresses of every listening TCP socket, one per line.
listening_addresses() {
  ss -ltnH | awk '{ print $4 }'
}

base_is_free() {
  local base=$1
  ! listening_addresses | grep -q "^${base//./\\.}\\."
}

# Claims a base for DIR with an atomic mkdir, so two sandboxes started at the
# same moment never share one. A claim whose sandbox directory is gone is
# stale and taken over.
claim_base() {
  local base=$1 dir=$2 claim="$claims_dir/$1"
  mkdir -p "$claims_dir"
  if ! mkdir "$claim" 2>/dev/null; then
    local owner
    owner=$(cat "$claim/dir" 2>/dev/null || true)
    if [ -n "$owner" ] && [ -d "$owner" ] && [ "$owner" != "$dir" ]; then
      return 1
    fi
    rm -rf "$claim"
    mkdir "$claim" 2>/dev/null || return 1
  fi
  echo "$dir" >"$claim/dir"
}

pick_free_base() {
  local dir=$1 attempt base
  for attempt in $(seq 1 50); do
    base="127.$((100 + RANDOM % 151)).$((RANDOM % 256))"
    if base_is_free "$base" && claim_base "$base" "$dir"; then
      echo "$base"
      return 0
    fi
  done
  fail "found no free loopback base 127.A.B after 50 tries; pass one with --base"
}

# Polls CHECK (a command) until it succeeds. Fails naming SERVICE and showing
# the tail of LOG when the process PID exits or the time runs out.
wait_until() {
  local service=$1 pid=$2 log_file=$3
  shift 3
  local tenth
  for tenth in $(seq 1 "$start_timeout_tenths"); do
    if "$@" >/dev/null 2>&1; then
      return 0
    fi
    if [ -n "$pid" ] && ! is_running "$pid"; then
      report_failed_service "$service" "$log_file" "exited during start"
    fi
    sleep 0.1
  done
  report_failed_service "$service" "$log_file" "did not come up within 10 s"
}

report_failed_service() {
  local service=$1 log_file=$2 reason=$3
  {
    echo "sandbox.sh: $service $reason; last lines of $log_file:"
    tail -n 20 "$log_file" 2>/dev/null | sed 's/^/  | /' || true
  } >&2
  exit 1
}

is_listening() {
  listening_addresses | grep -qx "$1"
}

# Starts a program in the background with its output in LOG and records its
# process id in DIR/run/NAME.pid.
spawn() {
  local name=$1 log_file=$2
  shift 2
  "$@" </dev/null >>"$log_file" 2>&1 &
  echo $! >"$run_dir/$name.pid"
}

pid_of() {
  cat "$run_dir/$1.pid"
}

random_hex() {
  openssl rand -hex "$1"
}

# ------------------------------------------------------------------ start

parse_start_options() {
  base=""
  host_count=2
  domains=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --base) [ $# -ge 2 ] || usage; base=$2; shift 2 ;;
      --hosts) [ $# -ge 2 ] || usage; host_count=$2; shift 2 ;;
      --domain) [ $# -ge 2 ] || usage; domains+=("${2,,}"); shift 2 ;;
      *) fail "unknown option '$1' for start" ;;
    esac
  done
  [ ${#domains[@]} -gt 0 ] || domains=(example.com)

  [[ "$host_count" =~ ^[0-9]+$ ]] && [ "$host_count" -ge 1 ] && [ "$host_count" -le 99 ] ||
    fail "--hosts expects a number from 1 to 99, got '$host_count'"
  local domain
  for domain in "${domains[@]}"; do
    [[ "$domain" =~ ^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$ ]] ||
      fail "--domain expects a DNS name such as example.com, got '$domain'"
  done
  if [ -n "$base" ]; then
    [[ "$base" =~ ^127\.([0-9]{1,3})\.([0-9]{1,3})$ ]] &&
      [ "${BASH_REMATCH[1]}" -le 255 ] && [ "${BASH_REMATCH[2]}" -le 255 ] ||
      fail "--base expects 127.A.B with A and B from 0 to 255, got '$base'"
  fi
}

# sudoers, YAML and nginx lines embed DIR unquoted, so only plain path
# characters are allowed in it.
check_dir_name() {
  [[ "$dir" =~ ^/[A-Za-z0-9/._-]+$ ]] ||
    fail "DIR must be an absolute path of letters, digits and / . _ -, got '$dir'"
}

prepare_dir() {
  if [ -f "$dir/sandbox.env" ] || ls "$dir"/run/*.pid >/dev/null 2>&1; then
    fail "$dir already holds a sandbox; run 'sandbox.sh stop $dir' first"
  fi
  mkdir -p "$dir"
  chmod 0755 "$dir"
  run_dir=$dir/run
  mkdir -p "$run_dir" "$dir/ca" "$dir/pebble" "$dir/ionos" "$dir/challtestsrv" \
    "$dir/ssh" "$dir/config" "$dir/store" "$dir/log" "$dir/hosts"
  chmod 0755 "$dir/ssh" "$dir/hosts"
  chmod 0700 "$dir/store"
}

choose_base() {
  if [ -z "$base" ]; then
    base=$(pick_free_base "$dir")
  else
    base_is_free "$base" || fail_busy_base "something already listens on $base.*; pick another --base"
    claim_base "$base" "$dir" ||
      fail_busy_base "base $base is claimed by the sandbox in $(cat "$claims_dir/$base/dir"); pick another --base"
  fi
  echo "$base" >"$run_dir/base"
  services_address=$base.1
}

host_name() {
  printf 'web-%02d' "$1"
}

host_address() {
  echo "$base.$((10 + $1))"
}

# Sandboxes started in parallel share the user. useradd and usermod fail
# while another one holds the lock on /etc/passwd, so both are retried.
ensure_sandbox_user() {
  local tenth
  for tenth in $(seq 1 "$start_timeout_tenths"); do
    if user_is_ready || prepare_user 2>/dev/null; then
      break
    fi
    sleep 0.1
  done
  user_is_ready || fail "could not create the unlocked user $sandbox_user (useradd or usermod failed)"
  mkdir -p /run/sshd
  chmod 0755 /run/sshd
}

# With UsePAM no, sshd rejects accounts whose password field starts with "!"
# (locked), which useradd writes. The value "*" means no password but an
# unlocked account. The home directory is / so that sshd, which changes into
# it, prints no warning into the output of every remote command.
user_is_ready() {
  [ "$(getent shadow "$sandbox_user" | cut -d: -f2)" = "*" ] &&
    [ "$(getent passwd "$sandbox_user" | cut -d: -f6)" = / ]
}

prepare_user() {
  if ! getent passwd "$sandbox_user" >/dev/null; then
    useradd --system --shell /bin/sh --home-dir / --no-create-home "$sandbox_user"
  fi
  usermod -p '*' -d / "$sandbox_user"
}

make_ca() {
  local ca=$dir/ca
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$ca/ca.key" -out "$ca/ca.pem" -days 30 \
    -subj "/CN=certplan sandbox CA $base" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>"$ca/openssl.log"
  chmod 0600 "$ca/ca.key"

  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$ca/pebble-listener.key" -out "$ca/pebble-listener.csr" \
    -subj "/CN=localhost" 2>>"$ca/openssl.log"
  chmod 0600 "$ca/pebble-listener.key"
  printf 'subjectAltName=IP:%s,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' \
    "$services_address" >"$ca/pebble-listener.ext"
  openssl x509 -req -in "$ca/pebble-listener.csr" -CA "$ca/ca.pem" -CAkey "$ca/ca.key" \
    -set_serial "0x$(random_hex 8)" -days 30 -extfile "$ca/pebble-listener.ext" \
    -out "$ca/pebble-listener.pem" 2>>"$ca/openssl.log"
}

start_challtestsrv() {
  local log_file=$dir/challtestsrv/challtestsrv.log
  spawn challtestsrv "$log_file" pebble-challtestsrv \
    -dns01 "$services_address:$dns_port" \
    -management "$services_address:$challtestsrv_port" \
    -http01 "" -https01 "" -tlsalpn01 "" \
    -defaultIPv4 "$services_address" -defaultIPv6 ""
  wait_until pebble-challtestsrv "$(pid_of challtestsrv)" "$log_file" \
    is_listening "$services_address:$challtestsrv_port"
}

start_pebble() {
  local config=$dir/pebble/pebble.json log_file=$dir/pebble/pebble.log
  cat >"$config" <<EOF
{
  "pebble": {
    "listenAddress": "$services_address:$pebble_port",
    "managementListenAddress": "$services_address:$pebble_management_port",
    "certificate": "$dir/ca/pebble-listener.pem",
    "privateKey": "$dir/ca/pebble-listener.key",
    "httpPort": 5002,
    "tlsPort": 5001,
    "ocspResponderURL": "",
    "externalAccountBindingRequired": false
  }
}
EOF
  spawn pebble "$log_file" env PEBBLE_VA_NOSLEEP=1 \
    pebble -config "$config" -dnsserver "$services_address:$dns_port"
  wait_until pebble "$(pid_of pebble)" "$log_file" \
    curl -sf --cacert "$dir/ca/ca.pem" -o /dev/null "https://$services_address:$pebble_port/dir"

  # pebble makes a new root at every start, so fetch it only now.
  curl -sf --cacert "$dir/ca/ca.pem" -o "$dir/ca/pebble-root.pem" \
    "https://$services_address:$pebble_management_port/roots/0" ||
    report_failed_service pebble "$log_file" "did not return its root from /roots/0"
}

start_fake_ionos() {
  local log_file=$dir/ionos/fake_ionos.log
  local program=$script_dir/fake_ionos.py
  ionos_api_key="$(random_hex 8).$(random_hex 16)"
  if [ ! -f "$program" ]; then
    log "$program is missing, so the sandbox runs without the IONOS API"
    ionos_pid=""
    return 0
  fi

  local zone_args=() domain
  for domain in "${domains[@]}"; do
    zone_args+=(--zone "$domain")
  done
  spawn ionos "$log_file" python3 "$program" --listen "$services_address:$ionos_port" \
    --api-key "$ionos_api_key" "${zone_args[@]}" \
    --challtestsrv "http://$services_address:$challtestsrv_port"
  ionos_pid=$(pid_of ionos)
  wait_until "fake IONOS API" "$ionos_pid" "$log_file" grep -qx ready "$log_file"
  wait_until "fake IONOS API" "$ionos_pid" "$log_file" is_listening "$services_address:$ionos_port"
}

make_client_key() {
  ssh-keygen -q -t ed25519 -N "" -C "certplan-sandbox $base" -f "$dir/ssh/id_ed25519"
  chmod 0600 "$dir/ssh/id_ed25519"
  cp "$dir/ssh/id_ed25519.pub" "$dir/ssh/authorized_keys"
  chmod 0644 "$dir/ssh/authorized_keys"
  : >"$dir/ssh/known_hosts"
}

# The placeholder uses P-384 with SHA-384, so it still loads when a test
# raises nginx's OpenSSL security level to 4 (192-bit keys), which rejects
# the P-256 certificates that certplan issues by default.
make_placeholder_certificate() {
  local domain=$1 target=$2
  mkdir -p "$target"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -sha384 -nodes \
    -keyout "$target/privkey.pem" -out "$target/fullchain.pem" -days 90 \
    -subj "/CN=$domain placeholder" \
    -addext "subjectAltName=DNS:$domain,DNS:www.$domain" 2>/dev/null
  chmod 0600 "$target/privkey.pem"
  chmod 0644 "$target/fullchain.pem"
}

# The file layout of host I: sshd/ (config, host key), nginx/ (prefix, owned
# by root) and ssl/ (certificates, owned by the SSH user).
prepare_host() {
  local i=$1 name address root
  name=$(host_name "$i")
  address=$(host_address "$i")
  root=$dir/hosts/$name
  mkdir -p "$root/sshd" "$root/nginx/conf" "$root/nginx/logs" "$root/nginx/temp" "$root/ssl"
  chmod 0755 "$root" "$root/nginx" "$root/nginx/conf"

  local domain
  for domain in "${domains[@]}"; do
    make_placeholder_certificate "$domain" "$root/ssl/$domain"
  done
  chown -R "$sandbox_user:" "$root/ssl"
  chmod 0755 "$root/ssl"

  ssh-keygen -q -t ed25519 -N "" -C "$name" -f "$root/sshd/ssh_host_ed25519_key"
  echo "[$address]:$ssh_port $(cut -d' ' -f1-2 "$root/sshd/ssh_host_ed25519_key.pub")" \
    >>"$dir/ssh/known_hosts"
  write_sshd_config "$root" "$address" "$name"
  write_nginx_config "$root" "$address" "$name"
}

write_sshd_config() {
  local root=$1 address=$2 name=$3
  cat >"$root/sshd/sshd_config" <<EOF
# sshd of sandbox host $name
ListenAddress $address:$ssh_port
HostKey $root/sshd/ssh_host_ed25519_key
PidFile $run_dir/sshd-$name.pid
AuthorizedKeysFile $dir/ssh/authorized_keys
AllowUsers $sandbox_user
PermitRootLogin no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
StrictModes no
UsePAM no
LogLevel VERBOSE
Subsystem sftp internal-sftp
EOF
}

write_nginx_config() {
  local root=$1 address=$2 name=$3 prefix=$1/nginx
  {
    cat <<EOF
# nginx of sandbox host $name. Workers run as nobody: the master (root)
# reads the certificates and opens the logs, and the workers only serve
# requests.
user nobody nogroup;
worker_processes 1;
pid $run_dir/nginx-$name.pid;
error_log $prefix/logs/error.log;

events {
  worker_connections 64;
}

http {
  access_log $prefix/logs/access.log;
  client_body_temp_path $prefix/temp/body;
  proxy_temp_path $prefix/temp/proxy;
  fastcgi_temp_path $prefix/temp/fastcgi;
  uwsgi_temp_path $prefix/temp/uwsgi;
  scgi_temp_path $prefix/temp/scgi;
  default_type text/plain;
EOF
    local domain
    for domain in "${domains[@]}"; do
      cat <<EOF

  server {
    listen $address:$https_port ssl;
    server_name $domain www.$domain;
    ssl_certificate $root/ssl/$domain/fullchain.pem;
    ssl_certificate_key $root/ssl/$domain/privkey.pem;
    location / {
      return 200 "$name $domain\n";
    }
  }
EOF
    done
    echo "}"
  } >"$prefix/conf/nginx.conf"
  chmod 0644 "$prefix/conf/nginx.conf"
}

nginx_command() {
  echo "/usr/sbin/nginx -p $dir/hosts/$1/nginx -c conf/nginx.conf"
}

write_sudoers() {
  local file i name rules=()
  file=/etc/sudoers.d/certplan-sandbox-$(printf '%s' "$dir" | sha256sum | cut -c1-12)
  echo "$file" >"$run_dir/sudoers"
  for i in $(seq 1 "$host_count"); do
    name=$(host_name "$i")
    rules+=("$(nginx_command "$name") -t" "$(nginx_command "$name") -s reload")
  done

  local joined
  joined=$(printf '%s, ' "${rules[@]}")
  joined=${joined%, }
  local staged=$run_dir/sudoers.new
  {
    echo "# certplan sandbox in $dir: test and reload its nginx instances only."
    echo "$sandbox_user ALL=(root) NOPASSWD: $joined"
  } >"$staged"
  chmod 0440 "$staged"
  visudo -cqf "$staged" >/dev/null || fail "visudo rejected the sudoers rules in $staged"
  mv "$staged" "$file"
}

start_host() {
  local i=$1 name address
  name=$(host_name "$i")
  address=$(host_address "$i")
  local root=$dir/hosts/$name

  local sshd_log=$root/sshd/sshd.log
  spawn "sshd-$name" "$sshd_log" /usr/sbin/sshd -D -f "$root/sshd/sshd_config" -E "$sshd_log"
  wait_until "sshd of $name" "$(pid_of "sshd-$name")" "$sshd_log" is_listening "$address:$ssh_port"

  local nginx_log=$root/nginx/logs/error.log
  $(nginx_command "$name") -t >"$root/nginx/logs/test.log" 2>&1 ||
    report_failed_service "nginx of $name" "$root/nginx/logs/test.log" "has an invalid configuration"
  $(nginx_command "$name") >>"$nginx_log" 2>&1 </dev/null ||
    report_failed_service "nginx of $name" "$nginx_log" "failed to start"
  wait_until "nginx of $name" "" "$nginx_log" test -s "$run_dir/nginx-$name.pid"
  wait_until "nginx of $name" "$(pid_of "nginx-$name")" "$nginx_log" is_listening "$address:$https_port"
}

write_servers_yaml() {
  local i name
  {
    echo "# Test hosts of the certplan sandbox in $dir."
    echo "servers:"
    for i in $(seq 1 "$host_count"); do
      name=$(host_name "$i")
      cat <<EOF
  - name: $name
    host: $(host_address "$i")
    port: $ssh_port
    user: $sandbox_user
    ssh_key_path: $dir/ssh/id_ed25519
    known_hosts_path: $dir/ssh/known_hosts
    nginx_test_command: sudo -n $(nginx_command "$name") -t
    nginx_reload_command: sudo -n $(nginx_command "$name") -s reload
    cert_path: $dir/hosts/$name/ssl
    https_port: $https_port
EOF
    done
  } >"$dir/config/servers.yaml"
}

write_domains_yaml() {
  local domain i
  {
    echo "# Domains of the certplan sandbox in $dir, each on every host."
    echo "domains:"
    for domain in "${domains[@]}"; do
      echo "  - domain: $domain"
      echo "    alt_names: [www.$domain]"
      echo "    dns_provider: ionos"
      echo "    servers:"
      for i in $(seq 1 "$host_count"); do
        echo "      - $(host_name "$i")"
      done
    done
  } >"$dir/config/domains.yaml"
}

write_env_file() {
  cat >"$dir/.env" <<EOF
# certplan settings for the sandbox in $dir.
IONOS_API_KEY=$ionos_api_key
IONOS_API_URL=http://$services_address:$ionos_port
ACME_EMAIL=ops@example.com
ACME_DIRECTORY_URL=https://$services_address:$pebble_port/dir
ACME_STAGING_DIRECTORY_URL=https://$services_address:$pebble_port/dir
ACME_CA_BUNDLE=$dir/ca/ca.pem
HEALTHCHECK_CA_BUNDLE=$dir/ca/pebble-root.pem
DNS_RESOLVERS=$services_address:$dns_port
DNS_PROPAGATION_TIMEOUT=30
CERT_BASE_PATH=$dir/store
LOG_FILE_PATH=$dir/log/certplan.log
RENEWAL_THRESHOLD_DAYS=30
EOF
  chmod 0600 "$dir/.env"
}

write_sandbox_env() {
  local i name
  {
    echo "# Facts about the sandbox in $dir, for tests and scripts (source it)."
    echo "SANDBOX_DIR=$dir"
    echo "BASE=$base"
    echo "SERVICES_ADDRESS=$services_address"
    echo "PEBBLE_URL=https://$services_address:$pebble_port/dir"
    echo "PEBBLE_MANAGEMENT_URL=https://$services_address:$pebble_management_port"
    echo "CHALLTESTSRV_URL=http://$services_address:$challtestsrv_port"
    echo "DNS_SERVER=$services_address:$dns_port"
    echo "IONOS_API_URL=http://$services_address:$ionos_port"
    echo "DOMAINS=\"${domains[*]}\""
    echo "HOST_COUNT=$host_count"
    echo "SSH_PORT=$ssh_port"
    echo "HTTPS_PORT=$https_port"
    echo "SSH_USER=$sandbox_user"
    echo "SSH_KEY=$dir/ssh/id_ed25519"
    echo "KNOWN_HOSTS=$dir/ssh/known_hosts"
    echo "CA_BUNDLE=$dir/ca/ca.pem"
    echo "PEBBLE_ROOT=$dir/ca/pebble-root.pem"
    echo "SUDOERS_FILE=$(cat "$run_dir/sudoers")"
    echo "PEBBLE_PID=$(pid_of pebble)"
    echo "CHALLTESTSRV_PID=$(pid_of challtestsrv)"
    echo "IONOS_PID=${ionos_pid}"
    for i in $(seq 1 "$host_count"); do
      name=$(host_name "$i")
      echo "HOST_${i}_NAME=$name"
      echo "HOST_${i}_ADDRESS=$(host_address "$i")"
      echo "HOST_${i}_CERT_DIR=$dir/hosts/$name/ssl"
      echo "HOST_${i}_NGINX_PREFIX=$dir/hosts/$name/nginx"
      echo "HOST_${i}_SSHD_PID=$(pid_of "sshd-$name")"
      echo "HOST_${i}_NGINX_PID=$(pid_of "nginx-$name")"
    done
  } >"$dir/sandbox.env"
}

# Stops what a failed start left running, unless SANDBOX_KEEP_ON_FAILURE=1
# requests that it stay up for a look.
clean_up_failed_start() {
  local status=$?
  if [ "$status" -ne 0 ] && [ "${SANDBOX_KEEP_ON_FAILURE:-0}" != 1 ]; then
    log "start failed; stopping what was started (SANDBOX_KEEP_ON_FAILURE=1 keeps it)"
    stop_sandbox >/dev/null || true
  fi
}

start_sandbox() {
  parse_start_options "$@"
  check_dir_name
  prepare_dir
  trap clean_up_failed_start EXIT
  choose_base
  ensure_sandbox_user

  make_ca
  start_challtestsrv
  start_pebble
  start_fake_ionos

  make_client_key
  local i
  for i in $(seq 1 "$host_count"); do
    prepare_host "$i"
  done
  write_sudoers
  for i in $(seq 1 "$host_count"); do
    start_host "$i"
  done

  write_servers_yaml
  write_domains_yaml
  write_env_file
  write_sandbox_env
  trap - EXIT
  echo "sandbox ready in $dir: services on $services_address, hosts on $base.11-$base.$((10 + host_count))"
}

# ------------------------------------------------------------------- stop

# Signals a recorded process only while its command line still names this
# sandbox, so a recycled process id is never hit.
belongs_to_sandbox() {
  local pid=$1 cmdline
  cmdline=$({ tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null) || return 1
  [[ "$cmdline" == *"$dir"* ]] || { [ -n "$stop_base" ] && [[ "$cmdline" == *"$stop_base."* ]]; }
}

# A process that exited stays a zombie until its parent reaps it, which can
# take seconds when the parent is a slow init, so a zombie counts as stopped.
is_running() {
  local state
  state=$({ cut -d' ' -f3 <"/proc/$1/stat"; } 2>/dev/null) || return 1
  [ -n "$state" ] && [ "$state" != Z ]
}

stop_process() {
  local pid_file=$1 pid tenth
  pid=$(cat "$pid_file" 2>/dev/null || true)
  if [[ "$pid" =~ ^[0-9]+$ ]] && belongs_to_sandbox "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    for tenth in $(seq 1 "$start_timeout_tenths"); do
      is_running "$pid" || break
      sleep 0.1
    done
    if is_running "$pid"; then
      log "process $pid ($(basename "$pid_file" .pid)) ignored SIGTERM for 10 s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$pid_file"
}

stop_sandbox() {
  run_dir=$dir/run
  [ -d "$run_dir" ] || return 0
  stop_base=$(cat "$run_dir/base" 2>/dev/null || true)

  local pid_file
  for pid_file in "$run_dir"/*.pid; do
    [ -e "$pid_file" ] || continue
    stop_process "$pid_file"
  done

  if [ -f "$run_dir/sudoers" ]; then
    rm -f "$(cat "$run_dir/sudoers")" "$run_dir/sudoers"
  fi
  if [ -n "$stop_base" ] && [ "$(cat "$claims_dir/$stop_base/dir" 2>/dev/null)" = "$dir" ]; then
    rm -rf "${claims_dir:?}/$stop_base"
  fi
  rm -f "$run_dir/base" "$dir/sandbox.env"
}

# ------------------------------------------------------------------- main

[ $# -ge 2 ] || usage
command=$1
dir=$2
shift 2
[ "$(id -u)" -eq 0 ] || fail "run as root: the sandbox starts sshd, adds a user and a sudoers file"
dir=$(realpath -m -- "$dir")

case "$command" in
  start) start_sandbox "$@" ;;
  stop)
    [ $# -eq 0 ] || usage
    check_dir_name
    stop_sandbox
    echo "sandbox in $dir stopped"
    ;;
  *) usage ;;
esac
