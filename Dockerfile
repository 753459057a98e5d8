# CareSlot image: the same code runs web (gunicorn), worker and beat; docker-compose.yml picks
# the command. Dependencies come from [project.dependencies] in pyproject.toml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    WEB_BIND=0.0.0.0:8000

WORKDIR /app

# Dependencies first, so a code change does not reinstall them. The project declares no
# packages ([tool.setuptools] packages = []): `pip install .` installs only its dependencies,
# and the code runs from /app.
COPY pyproject.toml ./
RUN pip install .

COPY . .

# Static files are collected into the image (whitenoise serves them); a build-only key lets
# the settings load with DEBUG off, where SECRET_KEY is otherwise required.
RUN DEBUG=0 SECRET_KEY=collectstatic-at-build-time-only python manage.py collectstatic --noinput --verbosity 0

RUN useradd --create-home --uid 1000 careslot \
    && mkdir -p /app/var/media \
    && chown -R careslot:careslot /app/var/media
USER careslot

EXPOSE 8000
CMD ["sh", "-c", "exec gunicorn config.wsgi --bind \"$WEB_BIND\" --workers \"${WEB_WORKERS:-3}\" --access-logfile -"]
