#!/bin/sh
# In-guest checks of a boot-test image (image/build.sh --boot-test), reported on the serial
# console as "BOOTTEST <check> ok|FAIL <detail>" lines that image/boot-test.ts reads. The test
# boots the image twice and says which boot this is in an SMBIOS OEM string
# (bulkhead-boot-test=first|after-cut): the first boot ends writing policy approvals until the
# test cuts the power; the boot after the cut checks what came back.
DB=/var/lib/bulkhead/bulkhead.db
PHASE=$(grep -ao 'bulkhead-boot-test=[a-z-]*' /sys/firmware/dmi/tables/DMI 2>/dev/null | head -n 1 | cut -d= -f2)
report() {
  echo "BOOTTEST $1 $2 $3"
  # A failure comes with the services' recent journal, for the one reading the test's output.
  [ "$2" = ok ] || journalctl -u bulkhead -u bulkhead-console -u bulkhead-failsafe -n 25 --no-pager -o short-monotonic | sed 's/^/BOOTLOG /'
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

case "$PHASE" in
  first|after-cut) report phase ok "$PHASE" ;;
  *) report phase FAIL "no bulkhead-boot-test=first|after-cut in the SMBIOS OEM strings (/sys/firmware/dmi/tables/DMI)"; report done FAIL; exit 1 ;;
esac

# The policy's HMI and PLC behind the bridge: network namespaces on veth ports of br0, the PLC a
# Modbus server logging every write it receives, the HMI a probe saying per request whether it
# was answered. Each probe reads ten registers, then writes one.
T=/usr/local/lib/bulkhead-boot-test
plant() {
  for host in hmi:10.99.0.21 plc:10.99.0.11; do
    name=${host%%:*}
    ip netns add "$name"
    ip link add "v-$name" type veth peer name eth0 netns "$name"
    ip link set "v-$name" master br0 up
    ip -n "$name" addr add "${host#*:}/24" dev eth0
    ip -n "$name" link set eth0 up
  done
  ip netns exec plc node $T/modbus-plc.js '{"host":"10.99.0.11","unit":1}' > /run/plc.log 2>&1 &
  wait_for 60 grep -q ready /run/plc.log || report plant FAIL "the PLC did not start: $(cat /run/plc.log)"
}
probe() { ip netns exec hmi node $T/modbus-probe.js "{\"server\":\"10.99.0.11\",\"unit\":1,\"requests\":[{\"fc\":3,\"start\":0,\"count\":10},{\"fc\":6,\"start\":5}],\"timeoutMs\":$1}"; }
writes() { grep -c '"write"' /run/plc.log; }
# The read passes, the write is refused before it reaches the PLC.
enforced_traffic() {
  before=$(writes)
  r=$(probe 5000)
  case "$r" in
    '["answered","answered"]'*) report "$1" FAIL "the write was answered: $r" ;;
    '["answered",'*) if [ "$(writes)" = "$before" ]; then report "$1" ok "read answered, write refused ($r), the PLC saw no write"; else report "$1" FAIL "the PLC saw the write: $r"; fi ;;
    *) report "$1" FAIL "the read was not answered: $r" ;;
  esac
}

# The boot's fail state went into the kernel before systemd-networkd configured any port (and
# systemd found no ordering cycle to break on the way).
failsafe_at_boot() { # PATTERN: what bulkhead failsafe must have said this boot
  said=$(journalctl -b -u bulkhead-failsafe -o cat | grep -E "$1" | head -n 1)
  began=$(systemctl show -P ExecMainStartTimestampMonotonic bulkhead-failsafe)
  held=$(systemctl show -P ExecMainExitTimestampMonotonic bulkhead-failsafe)
  net=$(systemctl show -P ExecMainStartTimestampMonotonic systemd-networkd)
  cycle=$(journalctl -b -o cat | grep -i 'ordering cycle' | head -n 1)
  if [ "$(systemctl show -P Result bulkhead-failsafe)" = success ] && [ -n "$said" ] && [ -z "$cycle" ] && [ "${held:-0}" -gt 0 ] && [ "$held" -le "${net:-0}" ]; then
    report failsafe-at-boot ok "$said; in $(( (held - began) / 1000 )) ms, $(( (net - held) / 1000 )) ms before systemd-networkd started"
  else
    report failsafe-at-boot FAIL "result $(systemctl show -P Result bulkhead-failsafe), ${cycle:+$cycle, }done at $held us, networkd started at $net us: $(journalctl -b -u bulkhead-failsafe -o cat | tail -n 5 | tr '\n' ';')"
  fi
}

both_active() { systemctl is-active --quiet bulkhead && systemctl is-active --quiet bulkhead-console; }
wait_for 180 both_active
report services "$(systemctl is-active bulkhead >/dev/null && echo ok || echo FAIL)" "bulkhead $(systemctl is-active bulkhead), console $(systemctl is-active bulkhead-console) at $(uptime_s) s: $(status_text)"

if [ "$PHASE" = after-cut ]; then
  # Back from a power cut: the applied policy is enforced again without anyone's help, and the
  # store holds everything reported as committed before the cut.
  failsafe_at_boot '^fail state held: policy version 1 '
  # The engine says it runs once its table is in the kernel; under emulation its first start may run out of time once (the supervisor then gives the next one twice as long).
  if wait_for 120 engine_running; then report enforcing-after-cut ok "at $(uptime_s) s: $(status_text)"; else report enforcing-after-cut FAIL "$(status_text)"; fi
  check rules-in-kernel nft list table bridge bulkhead
  # Ports that join the bridge while the gateway enforces come under its table within its loop.
  t0=$(date +%s)
  plant
  ported() { nft list table bridge bulkhead | grep -q '"v-hmi"'; }
  if wait_for 30 ported; then report new-ports-guarded ok "the table names the plant's new bridge ports $(( $(date +%s) - t0 )) s after they joined"; else report new-ports-guarded FAIL "$(nft list table bridge bulkhead | grep iifname)"; fi
  enforced_traffic traffic-after-cut
  check database-integrity node -e "const D = require('/opt/bulkhead/node_modules/better-sqlite3'); const r = new D('$DB', { readonly: true }).pragma('integrity_check', { simple: true }); if (r !== 'ok') { console.error(r); process.exit(1); }"
  check audit-chain bulkhead audit --verify --db $DB
  # What the boot's file system check and the kernel said of the data partition (a journal
  # replayed by fsck shows the cut hit it mid-write).
  report var-after-cut ok "$(journalctl -b -o cat -u 'systemd-fsck@*' | grep -i 'bulkhead-var' | tr '\n' ';') $(journalctl -k -b -o cat | grep 'EXT4-fs (vda3)' | tr '\n' ';')"
  # What the test compares with the versions reported before the cut.
  echo "BOOTCUT approved $(bulkhead policy list --json --db $DB | node -p 'JSON.parse(require("fs").readFileSync(0, "utf8")).filter((v) => v.status !== "draft" && v.status !== "retired").map((v) => v.version).join(" ")')"
  echo "BOOTCUT audited $(bulkhead audit --json --db $DB | node -p 'JSON.parse(require("fs").readFileSync(0, "utf8")).filter((e) => e.action === "policy.approve").map((e) => e.target.split(" ")[1]).join(" ")')"
  report done ok "at $(uptime_s) s"
  exit 0
fi
# systemd's own measure of the units' hardening (0 best, 10 worst), for the record.
for unit in bulkhead bulkhead-console bulkhead-failsafe bulkhead-fleet; do
  report "hardening-$unit" ok "$(systemd-analyze security --no-pager "$unit.service" 2>&1 | tail -n 1 | tr -cd '[:print:]')"
done
failsafe_at_boot '^plain bridge: no policy is active'
check root-read-only sh -c 'findmnt -no OPTIONS / | grep -q "^ro"'
# The test wrote the image to a disk 1 GiB larger than the image: /var took the rest.
var_mib=$(( $(findmnt -bno SIZE /var) / 1048576 ))
if [ "$var_mib" -gt 1200 ]; then report var-grown ok "/var is $var_mib MiB on a $(( $(cat /sys/block/vda/size) / 2048 )) MiB disk"; else report var-grown FAIL "/var is $var_mib MiB on a $(( $(cat /sys/block/vda/size) / 2048 )) MiB disk: $(journalctl -b -o cat -u systemd-repart -u systemd-growfs@var | tr '\n' ';')"; fi
check var-persistent sh -c 'findmnt -no OPTIONS /var | grep -q "^rw"'
# systemd-networkd joins the ports as their links appear: give it the time a slow box needs.
plant_ports() { [ "$(ls /sys/class/net/br0/brif | tr "\n" " ")" = "eth1 eth2 " ]; }
wait_for 30 plant_ports
check bridge-ports plant_ports
check bridge-no-address sh -c '! ip -o addr show dev br0 | grep -q inet'
check no-routing sh -c '[ "$(sysctl -n net.ipv4.ip_forward)" = 0 ]'
mgmt_listening() { ss -ltnH | grep -q "10.0.2.15:8443"; }
wait_for 60 mgmt_listening
check console-management-only sh -c 'ss -ltnH | grep ":8443" | grep -qv "10.0.2.15:8443" && exit 1; ss -ltnH | grep -q "10.0.2.15:8443"'
learning() { status_text | grep -q '^learning on the bridge'; }
if wait_for 60 learning; then report learning-until-policy ok "$(status_text)"; else report learning-until-policy FAIL "$(status_text)"; fi

plant
r=$(probe 5000)
if [ "$r" = '["answered","answered"]' ] && [ "$(writes)" = 1 ]; then report traffic-while-learning ok "read and write answered, the PLC saw the write: nothing is enforced yet"; else report traffic-while-learning FAIL "probe $r, PLC writes $(writes)"; fi

# An engineer applies a policy: the learner hands over to the engine.
bulkhead policy import /usr/local/lib/bulkhead-boot-test/policy.yaml --by boottest --db $DB >/dev/null
bulkhead policy approve 1 --by boottest --db $DB >/dev/null
bulkhead apply 1 --by boottest --db $DB >/dev/null
# Running means enforcing: the engine's first heartbeat comes once its table is in the kernel (as after the cut, up to a second start's time).
if wait_for 120 engine_running; then report policy-enforced ok "$(status_text)"; else report policy-enforced FAIL "$(status_text)"; fi
check rules-in-kernel nft list table bridge bulkhead
enforced_traffic traffic-enforced

# A stopped gateway leaves the fail-closed conduit closed: nothing passes until it is back.
systemctl stop bulkhead
r=$(probe 3000)
case "$r" in
  '["answered"'*) report traffic-fail-state FAIL "the stopped gateway let the read through: $r" ;;
  *) if nft list table bridge bulkhead >/dev/null 2>&1; then report traffic-fail-state ok "service stopped: the read is not answered ($r), the rules stay"; else report traffic-fail-state FAIL "the table is gone: $r"; fi ;;
esac
systemctl start bulkhead
# As at the first apply: a new supervisor's first engine start may run out of its 20 s once under emulation.
wait_for 120 engine_running
r=$(probe 5000)
case "$r" in '["answered",'*) report traffic-after-start ok "read answered again: $(status_text)" ;; *) report traffic-after-start FAIL "$r: $(status_text)" ;; esac

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
# Emulated, an engine start can outlast its 20 s limit: the supervisor gives the next one 40 s (systemd's start limit is 90 s).
if wait_for 120 engine_running; then report enforcing-again ok "$(( $(date +%s) - t0 )) s after the hang: $(status_text)"; else report enforcing-again FAIL "$(status_text)"; fi
journalctl -u bulkhead --no-pager -o cat | grep -q 'Watchdog timeout' && report watchdog-journal ok "systemd logged the watchdog timeout" || report watchdog-journal FAIL "no watchdog timeout in the journal"
journalctl -u bulkhead --no-pager -o cat | grep -q 'fail state held' && report failsafe-ran ok "ExecStopPost held the fail state" || report failsafe-ran FAIL "no failsafe output in the journal"

# The engine hangs: the supervisor kills and restarts it, systemd need not.
before=$(restarts)
engine=$(bulkhead status --json --db $DB | node -p 'JSON.parse(require("fs").readFileSync(0,"utf8")).engine.health.pid')
kill -STOP "$engine"
new_engine() { p=$(bulkhead status --json --db $DB | node -p 'const s=JSON.parse(require("fs").readFileSync(0,"utf8")); s.engine.running ? s.engine.health.pid : 0'); [ "$p" != 0 ] && [ "$p" != "$engine" ]; }
if wait_for 120 new_engine && [ "$(restarts)" = "$before" ]; then report engine-restart ok "engine pid $engine hung: restarted by the supervisor"; else report engine-restart FAIL "restarts $before -> $(restarts)"; fi
check audit-chain bulkhead audit --verify --db $DB
# A backup taken while the gateway runs, with the configuration inside, checked as a restore would.
check backup-with-configuration sh -c 'mkdir -p /var/backups && bulkhead backup --config /etc/bulkhead/bulkhead.yaml --out /var/backups/boot-test.bhk --by boottest && bulkhead restore /var/backups/boot-test.bhk --check --json | grep -q "\"configuration\":\"/etc/bulkhead/bulkhead.yaml\""'
report done ok "at $(uptime_s) s"

# Until the power is cut: the power-cut test's writer (testbench/lib/store-writer.ts) imports and
# approves policy versions as fast as the store takes them, beside the running gateway, each
# reported only once its transaction has committed.
node /opt/bulkhead/dist/testbench/lib/store-writer.js $DB $T/policy.yaml boottest | sed -u 's/^approved /BOOTCUT committed /'
report power-cut-writer FAIL "the writer exited by itself before the power was cut (its error is in the journal above)"
