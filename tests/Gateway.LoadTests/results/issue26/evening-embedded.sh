#!/usr/bin/env bash
# embedded.sh DLL LABEL [warm] [measure]: runs `gateway run` on config/gateway.yaml, prints CPU % of one core over the window.
dll=$1; label=$2; warm=${3:-20}; measure=${4:-60}
data=$(mktemp -d ${TMPDIR:-/tmp}/gw-data.XXXX)
base=$((20000 + RANDOM % 20000))
export GATEWAY_DATA=$data GATEWAY_SIMULATOR_PORT=$base GATEWAY_SIMULATOR_MODBUS_PORT=$((base+1)) GATEWAY_MQTT_PORT=$((base+2)) GATEWAY_HTTP_LISTEN=127.0.0.1:$((base+3)) INFLUX_URL=http://127.0.0.1:$((base+4))
dotnet $dll run --config $(git rev-parse --show-toplevel)/config/gateway.yaml > ${TMPDIR:-/tmp}/$label.log 2>&1 &
pid=$!
sleep $warm
hz=$(getconf CLK_TCK)
t0=$(awk '{print $14+$15}' /proc/$pid/stat); l0=$(cut -d' ' -f1 /proc/loadavg)
sleep $measure
t1=$(awk '{print $14+$15}' /proc/$pid/stat); l1=$(cut -d' ' -f1 /proc/loadavg)
rss=$(grep VmRSS /proc/$pid/status | awk '{print $2}')
echo "$label: cpu $(echo "scale=2; ($t1-$t0)*100/$hz/$measure" | bc) % of one core over ${measure}s, rss $((rss/1024)) MB, load $l0 -> $l1, $(date -u +%H:%M)"
if [ -n "$KEEP" ]; then echo "pid $pid"; else kill -TERM $pid; wait $pid 2>/dev/null; rm -rf $data; fi
