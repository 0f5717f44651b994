#!/bin/sh
# Creates the Redis cluster once all nodes answer; does nothing if it already exists.
# Nodes are addressed by their StatefulSet DNS names (never by pod name alone or the
# Service name). CLUSTER MEET only takes IP addresses, so each name is resolved here,
# right before creation; afterwards nodes.conf on each PVC carries the membership.
set -eu
N="${REDIS_CLUSTER_NODES}"
R="${REDIS_CLUSTER_REPLICAS}"
DOMAIN="redis-cluster-headless.${POD_NAMESPACE}.svc.cluster.local"
FIRST="redis-cluster-0.${DOMAIN}"
ADDRS=""
i=0
while [ "$i" -lt "$N" ]; do
  host="redis-cluster-${i}.${DOMAIN}"
  until getent hosts "$host" >/dev/null 2>&1; do
    echo "waiting for DNS name $host"; sleep 3
  done
  until [ "$(redis-cli -h "$host" ping 2>/dev/null)" = "PONG" ]; do
    echo "waiting for $host to answer PING"; sleep 3
  done
  ADDRS="$ADDRS $(getent hosts "$host" | awk '{print $1; exit}'):6379"
  i=$((i + 1))
done
if redis-cli -h "$FIRST" cluster info | grep -q '^cluster_state:ok'; then
  echo "cluster already formed"; exit 0
fi
if [ "$N" -eq 1 ]; then
  # Single-node cluster (dev): one master owning every slot, same client protocol.
  redis-cli -h "$FIRST" cluster addslotsrange 0 16383
else
  # shellcheck disable=SC2086
  redis-cli --cluster create $ADDRS --cluster-replicas "$R" --cluster-yes
fi
