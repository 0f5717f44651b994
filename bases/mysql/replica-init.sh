# Sourced by the image's entrypoint on first initialisation only. The primary is
# addressed by its StatefulSet pod FQDN; the replica retries until it is reachable.
docker_process_sql --database=mysql <<SQL
CHANGE REPLICATION SOURCE TO
  SOURCE_HOST='mysql-primary-0.mysql-primary-headless.${POD_NAMESPACE}.svc.cluster.local',
  SOURCE_PORT=3306,
  SOURCE_USER='repl',
  SOURCE_PASSWORD='${MYSQL_REPLICATION_PASSWORD}',
  SOURCE_AUTO_POSITION=1,
  GET_SOURCE_PUBLIC_KEY=1,
  SOURCE_CONNECT_RETRY=10,
  SOURCE_RETRY_COUNT=86400;
START REPLICA;
SQL
