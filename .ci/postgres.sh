#!/usr/bin/env bash
# Install, start and prepare PostgreSQL 15 + PostGIS 3 from Debian's packages for the test suite.
#
# Sourced by .ci/run (it exports FEVERMAP_TEST_POSTGRES_URL and FEVERMAP_REQUIRE_POSTGRES=1 into the caller's
# environment). Idempotent: safe to run on a machine where the packages, the cluster or the database already exist.
# Needs root (CI runs as root).

_fm_pg_setup() {
    local db=fevermap_test user=fevermap password=fevermap port=5432
    if ! dpkg -s postgresql postgresql-15-postgis-3 >/dev/null 2>&1; then
        apt-get update -q
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql postgresql-15-postgis-3
    fi
    # Debian creates the 15/main cluster on install; create it if a previous run removed it.
    if [ -z "$(pg_lsclusters -h | awk '$1 == "15" && $2 == "main"')" ]; then
        pg_createcluster 15 main
    fi
    if [ -z "$(pg_lsclusters -h | awk '$1 == "15" && $2 == "main" && $4 == "online"')" ]; then
        pg_ctlcluster 15 main start
    fi
    port=$(pg_lsclusters -h | awk '$1 == "15" && $2 == "main" {print $3}')
    local i
    for i in $(seq 1 30); do
        if su postgres -c "pg_isready -q -p $port"; then break; fi
        sleep 1
    done
    su postgres -c "psql -q -p $port -v ON_ERROR_STOP=1" <<SQL
DO \$\$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$user') THEN
        CREATE ROLE $user LOGIN PASSWORD '$password';
    END IF;
END
\$\$;
SQL
    if [ "$(su postgres -c "psql -p $port -tAc \"SELECT 1 FROM pg_database WHERE datname = '$db'\"")" != "1" ]; then
        su postgres -c "createdb -p $port -O $user $db"
    fi
    su postgres -c "psql -q -p $port -d $db -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION IF NOT EXISTS postgis'"
    export FEVERMAP_TEST_POSTGRES_URL="postgresql+psycopg://$user:$password@127.0.0.1:$port/$db"
    export FEVERMAP_REQUIRE_POSTGRES=1
    echo "PostgreSQL + PostGIS ready: $FEVERMAP_TEST_POSTGRES_URL"
}

_fm_pg_setup
