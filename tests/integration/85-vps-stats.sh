#!/usr/bin/env bash
# vps stats: the counters move when the VPS does I/O (dd with oflag=direct into its disk),
# uses CPU and memory, and moves traffic; json, prometheus (HELP/TYPE once, name label) and
# table agree; --all lists a stopped VPS with its disk only; bad input is one line.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/lib-vps.sh"

check "busybox-init template" vps_busybox_template
check "network $VPS_NET" vps_network
check "VPS s1" vsl vps create s1 --template bbinit --network "$VPS_NET" --memory 128M --pids 100
check "VPS s2, stopped" vsl vps create s2 --template bbinit --network none --no-start
ADDR=$(vsl vps show s1 | jq -r .state.address); ADDR=${ADDR%/*}
j() { vsl vps stats s1 --format json | jq -r ".[0] | $1"; }

w0=$(j .io.writeBytes); wo0=$(j .io.writeOps); c0=$(j .cpu.totalNs); rx0=$(j .network.rxBytes)
tx0=$(j .network.txBytes)
check "dd 8 MiB with oflag=direct into its disk" \
	vsl exec s1 dd if=/dev/zero of=/data.bin bs=1M count=8 oflag=direct
check "burn some CPU" vsl exec s1 sh -c 'i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done'
check "500 kB in its /srv/www" vsl exec s1 dd if=/dev/zero of=/srv/www/big bs=1k count=500
check "  fetched by the host from its httpd" curl -s -o /dev/null "http://$ADDR/big"
w1=$(j .io.writeBytes); wo1=$(j .io.writeOps); c1=$(j .cpu.totalNs); tx1=$(j .network.txBytes)
rx1=$(j .network.rxBytes)
diag "write bytes $w0 -> $w1, ops $wo0 -> $wo1, cpu ns $c0 -> $c1, tx $tx0 -> $tx1, rx $rx0 -> $rx1"
(( w1 - w0 >= 8 * 1048576 )) && ok "write bytes grew by the 8 MiB at least" || not_ok "write bytes grew ($w0 -> $w1)"
(( wo1 > wo0 )) && ok "write ops grew" || not_ok "write ops grew ($wo0 -> $wo1)"
(( c1 > c0 + 10000000 )) && ok "CPU time grew (> 10 ms)" || not_ok "CPU time grew ($c0 -> $c1)"
(( tx1 - tx0 >= 500000 )) && ok "tx bytes grew by the 500 kB" || not_ok "tx bytes grew ($tx0 -> $tx1)"
(( rx1 > rx0 )) && ok "rx bytes grew (the request)" || not_ok "rx bytes grew ($rx0 -> $rx1)"
hz=$(getconf CLK_TCK)
is "CPU ticks are the ns in USER_HZ" "$(j '(.cpu.userNs / (1000000000 / '"$hz"') | floor) == .cpu.userTicks')" true
(( $(j .memory.usage) > 0 && $(j .memory.rss) >= 0 )) && ok "memory usage is there" || not_ok "memory usage"
is "memory limit is the definition's" "$(j .memory.limit)" 134217728
(( $(j .processes) >= 2 )) && ok "processes: the init and its children" || not_ok "processes: $(j .processes)"
is "processes limit" "$(j .processesLimit)" 100
(( $(j .diskUsed) >= 8 * 1048576 )) && ok "disk used holds the 8 MiB file" || not_ok "disk used: $(j .diskUsed)"

# --- prometheus
prom=$(vsl vps stats --all --format prometheus)
is "one HELP and one TYPE per metric" "$(grep -c '^# HELP vessel_vps_io_bytes_total ' <<<"$prom") $(grep -c '^# TYPE vessel_vps_io_bytes_total counter$' <<<"$prom")" "1 1"
like "write bytes labelled by name and op" "$prom" "vessel_vps_io_bytes_total\{name=\"s1\",op=\"write\"\} [0-9]+"
w=$(sed -n 's/^vessel_vps_io_bytes_total{name="s1",op="write"} //p' <<<"$prom")
(( w >= w1 )) && ok "  the same count as json" || not_ok "  the same count as json ($w < $w1)"
like "cpu seconds by mode" "$prom" "vessel_vps_cpu_seconds_total\{name=\"s1\",mode=\"user\"\} [0-9]+\.[0-9]+"
like "up 1 for s1" "$prom" "vessel_vps_up\{name=\"s1\"\} 1"
like "up 0 for the stopped s2" "$prom" "vessel_vps_up\{name=\"s2\"\} 0"
[[ $prom == *'io_bytes_total{name="s2"'* ]] && not_ok "no I/O counters for a stopped VPS" || ok "no I/O counters for a stopped VPS"
bad=$(grep -v -e '^# HELP vessel_vps_[a-z_]* ' -e '^# TYPE vessel_vps_[a-z_]* \(gauge\|counter\)$' \
	-e '^vessel_vps_[a-z_]*{name="[a-z0-9-]*"\(,[a-z]*="[a-z]*"\)\?} [0-9.]*$' <<<"$prom")
is "every line is HELP, TYPE or a sample" "$bad" ""
like "table" "$(vsl vps stats s1)" "^NAME .*PROCS.*"$'\n'"s1 +running"
like "table --all: s2 stopped" "$(vsl vps stats --all)" "s2 +stopped"

# --- bad input
fails_with "an unknown VPS" "^vessel: VPS nosuch does not exist" vsl vps stats nosuch
fails_with "a bad format" "--format: expected table, json or prometheus, got xml" vsl vps stats s1 --format xml
fails_with "no name" "expected one VPS name, or --all" vsl vps stats

check "vps rm --force s1" vsl vps rm --force s1
check "vps rm s2" vsl vps rm s2
assert_vps_gone s1
assert_vps_gone s2
vps_network_gone
done_testing
