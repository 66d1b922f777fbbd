#!/usr/bin/env bash
# start.sh LABEL CMD...: start to the first reading at the embedded broker, for `gateway run` on config/gateway.yaml.
label=$1; shift
data=$(mktemp -d ${TMPDIR:-/tmp}/gw-data.XXXX)
base=$((20000 + RANDOM % 20000))
export GATEWAY_DATA=$data GATEWAY_SIMULATOR_PORT=$base GATEWAY_SIMULATOR_MODBUS_PORT=$((base+1)) GATEWAY_MQTT_PORT=$((base+2)) GATEWAY_HTTP_LISTEN=127.0.0.1:$((base+3)) INFLUX_URL=http://127.0.0.1:$((base+4))
l0=$(cut -d' ' -f1 /proc/loadavg)
t0=$(date +%s.%N)
"$@" run --config $(git rev-parse --show-toplevel)/config/gateway.yaml > ${TMPDIR:-/tmp}/$label.log 2>&1 &
pid=$!
while ! mosquitto_sub -h 127.0.0.1 -p $((base+2)) -t 'factory/#' -C 1 -W 60 > /dev/null 2>&1; do sleep 0.05; done
t1=$(date +%s.%N)
echo "$label: start to first reading $(echo "$t1 - $t0" | bc) s, load $l0, $(date -u +%H:%M:%S)"
kill -TERM $pid; wait $pid 2>/dev/null; rm -rf $data
