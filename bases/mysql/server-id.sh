#!/bin/sh
# Writes the role's config plus a server_id unique per pod: base + StatefulSet ordinal
# (primaries 100+, replicas 200+).
set -eu
ordinal="${HOSTNAME##*-}"
cp "/config/${MYSQL_ROLE}.cnf" /conf.d/
printf '[mysqld]\nserver_id = %d\nreport_host = %s\n' "$((SERVER_ID_BASE + ordinal))" "${HOSTNAME}" > /conf.d/server-id.cnf
