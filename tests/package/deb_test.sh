#!/usr/bin/env bash
# Builds the Debian package from a build directory, checks its contents,
# installs it on this machine, runs the installed binary, verifies the
# systemd unit, and removes the package again.
#   tests/package/deb_test.sh BUILD_DIR
# Exits 77 (CTest: skipped) when not root, or when an eventmart package is
# already installed here (it is not ours to replace).
set -euo pipefail
build=$(cd "$1" && pwd)

skip() { echo "SKIPPED: $*"; exit 77; }
fail() { echo "FAILED: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || skip "installing a .deb with dpkg -i needs root"
if dpkg-query -W -f='${Status}' eventmart 2>/dev/null | grep -q "install ok"; then
  skip "an eventmart package is already installed on this machine; not replacing it"
fi

work=$(mktemp -d /tmp/eventmart-deb.XXXXXX)
installed=0
user_before=0
getent passwd eventmart >/dev/null && user_before=1
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  if [ "$installed" -eq 1 ]; then dpkg -P eventmart >/dev/null || true; fi
  if [ "$user_before" -eq 0 ] && getent passwd eventmart >/dev/null; then
    deluser --system eventmart >/dev/null 2>&1 || true
    getent group eventmart >/dev/null && delgroup --system eventmart >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "== cpack -G DEB"
(cd "$build" && cpack -G DEB -B "$work/out" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; fail "cpack"; }
deb=$(ls "$work"/out/eventmart_*.deb)
echo "$deb"

echo "== dpkg-deb -I"
dpkg-deb -I "$deb" | tee "$work/info"
depends=$(dpkg-deb -f "$deb" Depends)
for lib in librocksdb7.8 'librdkafka++1' libstdc++6 libc6 adduser; do
  grep -qF "$lib" <<<"$depends" || fail "Depends lacks $lib: $depends"
done
# The control archive goes to a file first: in a pipe, tar stops reading at
# the archive's end marker and dpkg-deb, still writing padding, can die of
# SIGPIPE, which pipefail turned into a random "no postinst".
dpkg-deb --ctrl-tarfile "$deb" >"$work/control.tar"
conffiles=$(tar -xOf "$work/control.tar" ./conffiles)
grep -qx '/etc/default/eventmart' <<<"$conffiles" || fail "/etc/default/eventmart is not a conffile"
control_files=$(tar -tf "$work/control.tar")
grep -qx './postinst' <<<"$control_files" || fail "no postinst"

echo "== dpkg-deb -c"
dpkg-deb -c "$deb" | tee "$work/contents"
for f in ./usr/bin/eventmart ./usr/lib/systemd/system/eventmart.service ./etc/default/eventmart \
         ./usr/share/doc/eventmart/README.md; do
  grep -qx "$f" <<<"$(awk '{print $6}' "$work/contents")" || fail "$f missing from the package"
done

echo "== dpkg -i"
installed=1
dpkg -i "$deb"
getent passwd eventmart >/dev/null || fail "postinst made no eventmart user"
[ "$(getent passwd eventmart | cut -d: -f7)" != "/bin/bash" ] || fail "the eventmart user has a login shell"

echo "== /usr/bin/eventmart --help"
/usr/bin/eventmart --help | head -5
serve_help=$(/usr/bin/eventmart serve --help)
grep -q -- "--data-dir" <<<"$serve_help" || fail "serve --help"

echo "== the installed binary serves"
mkfifo "$work/out.fifo"
/usr/bin/eventmart serve --data-dir "$work/data" --listen 127.0.0.1:0 >"$work/out.fifo" 2>"$work/serve.log" &
server=$!
url=""
exec 3<"$work/out.fifo"
while IFS= read -r -t 30 line <&3; do
  if [[ $line =~ eventmart\ listening\ on\ (http://[^[:space:]]+) ]]; then url=${BASH_REMATCH[1]}; break; fi
done
[ -n "$url" ] || { cat "$work/serve.log"; fail "no start line from the installed binary"; }
body=$(curl -sS --max-time 5 "$url/healthz")
echo "$url/healthz -> $body"
[ "$body" = '{"status":"ok"}' ] || fail "/healthz answered '$body'"
kill -TERM "$server"
wait "$server" || fail "serve did not stop cleanly on SIGTERM"
server=""
exec 3<&-

echo "== systemd-analyze verify"
# Offline: containers run no systemd. Fails on unknown keys, bad values, a missing ExecStart binary.
SYSTEMD_LOG_LEVEL=warning systemd-analyze verify /usr/lib/systemd/system/eventmart.service 2>&1 | tee "$work/verify"
if grep -v -e "Failed to connect to bus" -e "^$" "$work/verify" | grep -q .; then
  fail "systemd-analyze verify reported problems"
fi
for key in 'User=eventmart' 'StateDirectory=eventmart' 'ProtectSystem=strict' 'ProtectHome=yes' 'NoNewPrivileges=yes' \
           'PrivateTmp=yes' 'CapabilityBoundingSet=' 'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' \
           'EnvironmentFile=/etc/default/eventmart'; do
  grep -qx "$key" /usr/lib/systemd/system/eventmart.service || fail "unit lacks $key"
done

echo "== dpkg -r"
dpkg -r eventmart
[ ! -e /usr/bin/eventmart ] || fail "/usr/bin/eventmart left after dpkg -r"
[ -e /etc/default/eventmart ] || fail "a conffile should stay until purge"
dpkg -P eventmart
[ ! -e /etc/default/eventmart ] || fail "/etc/default/eventmart left after purge"
installed=0
echo "PASSED"
