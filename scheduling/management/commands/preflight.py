"""Checks that PostgreSQL and Redis answer, and creates the database if it is missing. Runs
before migrations, so it talks to the servers directly rather than through the ORM."""

import sys

import psycopg2
import redis
from django.conf import settings
from django.core.management.base import BaseCommand
from psycopg2 import sql

PG_START = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
REDIS_START = (
    'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no '
    "--dir /var/lib/redis --logfile /var/log/redis/ci.log"
)


class Command(BaseCommand):
    help = "Check that PostgreSQL and Redis are reachable and create the database if missing."

    def handle(self, *args, **options):
        db = settings.DATABASES["default"]
        where = f"{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}"
        params = {
            "host": db.get("HOST") or None,
            "port": db.get("PORT") or None,
            "user": db.get("USER") or None,
            "password": db.get("PASSWORD") or None,
            "connect_timeout": 5,
        }
        try:
            connection = psycopg2.connect(dbname="postgres", **params)
        except psycopg2.OperationalError as exc:
            self._fail(f"PostgreSQL is not reachable at {where} (DATABASE_URL): {exc}".strip(), PG_START)
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]])
            if cursor.fetchone() is None:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db["NAME"])))
                self.stdout.write(f"Created database {db['NAME']} on {where}.")
        connection.close()

        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3).ping()
        except redis.RedisError as exc:
            self._fail(f"Redis is not reachable at {settings.REDIS_URL} (REDIS_URL): {exc}", REDIS_START)
        self.stdout.write(self.style.SUCCESS(f"PostgreSQL ({where}) and Redis ({settings.REDIS_URL}) are up."))

    def _fail(self, message: str, start_command: str) -> None:
        self.stderr.write(self.style.ERROR(message))
        self.stderr.write(f"Start it on this machine with:\n  {start_command}")
        sys.exit(1)
