#!/bin/sh
# Runs once, on the first start of an empty PostgreSQL data volume (docker-entrypoint-initdb.d):
# one role and one database per service, each owning its own, so no service can read another's tables.
set -eu

for service in ${CRM_DATABASES:-contacts sales support marketing gateway}; do
    psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
        -v role="$service" -v password="${CRM_DATABASE_PASSWORD:-crm}" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'password';
CREATE DATABASE :"role" OWNER :"role";
REVOKE ALL ON DATABASE :"role" FROM PUBLIC;
SQL
done
