#!/bin/bash
# Runs once, on the first start of an empty InfluxDB 2 (the image's /docker-entrypoint-initdb.d), after setup.
# The Grafana dashboards query with InfluxQL; InfluxDB 2 answers InfluxQL through a DBRP mapping from a
# database/retention-policy name to a bucket. Map database "$DOCKER_INFLUXDB_INIT_BUCKET", policy "autogen".
set -euo pipefail

bucket_id="$(influx bucket list --org "$DOCKER_INFLUXDB_INIT_ORG" --name "$DOCKER_INFLUXDB_INIT_BUCKET" --hide-headers | cut -f1)"
if [ -z "$bucket_id" ]; then
  echo "10-dbrp.sh: bucket $DOCKER_INFLUXDB_INIT_BUCKET not found in org $DOCKER_INFLUXDB_INIT_ORG" >&2
  exit 1
fi
influx v1 dbrp create --org "$DOCKER_INFLUXDB_INIT_ORG" --bucket-id "$bucket_id" \
  --db "$DOCKER_INFLUXDB_INIT_BUCKET" --rp autogen --default
