#!/bin/sh
# In-guest checks of a boot-test image (image/build.sh --boot-test), reported on the serial
# console as "BOOTTEST <check> ok|FAIL <detail>" lines that image/boot-test.ts reads.
DB=/var/lib/bulkhead/bulkhead.db
report() {
  echo "BOOTTEST $1 $2 $3"
  # A failure comes with the services' recent journal, for the one reading the test's output.
  [ "$2" = ok ] || journalctl -u bulkhead -u bulkhead-console -n 25 --no-pager -o short-monotonic | sed 's/^/BOOTLOG /'
}
check() { name=$1; shift; if "$@" >/dev/null 2>&1; then report "$name" ok "$*"; else report "$name" FAIL "$*"; fi; }
wait_for() { # SECONDS COMMAND...: until the command succeeds
  limit=$1; shift; i=0
  while ! "$@" >/dev/null 2>&1; do i=$((i + 1)); [ $i -ge $((limit * 2)) ] && return 1; sleep 0.5; done
}
status_text() { systemctl show -p StatusText --value bulkhead; }
engine_running() { status_text | grep -q '^engine running'; }
restarts() { systemctl show -p NRestarts --value bulkhead; }
uptime_s() { cut -d' ' -f1 /proc/uptime; }

both_active() { systemctl is-active --quiet bulkhead && systemctl is-active --quiet bulkhead-console; }
wait_for 180 both_active
report services "$(systemctl is-active bulkhead >/dev/null && echo ok || echo FAIL)" "bulkhead $(systemctl is-active bulkhead), console $(systemctl is-active bulkhead-console) at $(uptime_s) s: $(status_text)"
check root-read-only sh -c 'findmnt -no OPTIONS / | grep -q "^ro"'
check var-persistent sh -c 'findmnt -no OPTIONS /var | grep -q "^rw"'
check bridge-ports sh -c '[ "$(ls /sys/class/net/br0/brif | tr "\n" " ")" = "eth1 eth2 " ]'
check bridge-no-address sh -c '! ip -o addr show dev br0 | grep -q inet'
check no-routing sh -c '[ "$(sysctl -n net.ipv4.ip_forward)" = 0 ]'
check console-management-only sh -c 'ss -ltnH | grep ":8443" | grep -qv "10.0.2.15:8443" && exit 1; ss -ltnH | grep -q "10.0.2.15:8443"'
learning() { status_text | grep -q '^learning on the bridge'; }
if wait_for 60 learning; then report learning-until-policy ok "$(status_text)"; else report learning-until-policy FAIL "$(status_text)"; fi

# An engineer applies a policy: the learner hands over to the engine.
bulkhead policy import /usr/local/lib/bulkhead-boot-test/policy.yaml --by boottest --db $DB >/dev/null
bulkhead policy approve 1 --by boottest --db $DB >/dev/null
bulkhead apply 1 --by boottest --db $DB >/dev/null
if wait_for 60 engine_running; then report policy-enforced ok "$(status_text)"; else report policy-enforced FAIL "$(status_text)"; fi
check rules-in-kernel nft list table bridge bulkhead

# systemd's watchdog: the supervisor hangs; systemd kills and restarts the service, and the
# fail-closed conduit's rules stay in the kernel throughout.
before=$(restarts)
main=$(systemctl show -p MainPID --value bulkhead)
t0=$(date +%s)
kill -STOP "$main"
gone=0
while [ "$(restarts)" = "$before" ] && [ $(( $(date +%s) - t0 )) -lt 90 ]; do
  nft list table bridge bulkhead >/dev/null 2>&1 || gone=$((gone + 1))
  sleep 0.5
done
after=$(restarts)
if [ "$after" != "$before" ] && [ $gone = 0 ]; then report watchdog-restart ok "supervisor pid $main hung: systemd restarted the service after $(( $(date +%s) - t0 )) s, rules held throughout"; else report watchdog-restart FAIL "restarts $before -> $after, table missing in $gone samples"; fi
if wait_for 60 engine_running; then report enforcing-again ok "$(( $(date +%s) - t0 )) s after the hang: $(status_text)"; else report enforcing-again FAIL "$(status_text)"; fi
journalctl -u bulkhead --no-pager -o cat | grep -q 'Watchdog timeout' && report watchdog-journal ok "systemd logged the watchdog timeout" || report watchdog-journal FAIL "no watchdog timeout in the journal"
journalctl -u bulkhead --no-pager -o cat | grep -q 'fail state held' && report failsafe-ran ok "ExecStopPost held the fail state" || report failsafe-ran FAIL "no failsafe output in the journal"

# The engine hangs: the supervisor kills and restarts it, systemd need not.
before=$(restarts)
engine=$(bulkhead status --json --db $DB | node -p 'JSON.parse(require("fs").readFileSync(0,"utf8")).engine.health.pid')
kill -STOP "$engine"
new_engine() { p=$(bulkhead status --json --db $DB | node -p 'const s=JSON.parse(require("fs").readFileSync(0,"utf8")); s.engine.running ? s.engine.health.pid : 0'); [ "$p" != 0 ] && [ "$p" != "$engine" ]; }
if wait_for 60 new_engine && [ "$(restarts)" = "$before" ]; then report engine-restart ok "engine pid $engine hung: restarted by the supervisor"; else report engine-restart FAIL "restarts $before -> $(restarts)"; fi
check audit-chain bulkhead audit --verify --db $DB
report done ok "at $(uptime_s) s"
