#!/usr/bin/env bash
# Creates one database and one login role per part that owns data (policy, providers, bookings, gateway).
# Run once by the postgres image on an empty data directory (/docker-entrypoint-initdb.d), or by hand:
#   POSTGRES_USER=postgres POLICY_DB_PASSWORD=... bash infra/postgres/init-databases.sh
# Each role owns its own database and may connect to no other: PUBLIC loses CONNECT on every one.
set -euo pipefail

: "${POSTGRES_USER:=postgres}"
: "${DB_PARTS:=policy providers bookings gateway}"

for part in $DB_PARTS; do
  var="$(echo "${part}" | tr '[:lower:]' '[:upper:]')_DB_PASSWORD"
  password="${!var:-}"
  if [ -z "$password" ]; then
    echo "init-databases: $var is not set; refusing to create role $part without a password" >&2
    exit 1
  fi
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
       -v role="$part" -v password="$password" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'role', :'password')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'role', :'role')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'role') \gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'role') \gexec
SQL
  echo "init-databases: database $part ready for role $part"
done
