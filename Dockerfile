# One image for every eco2 process (api, worker, consume, character-server, location-server);
# docker-compose.yml picks the command. No build step beyond installing the locked dependencies.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    ECO2_DATA_DIR=/var/lib/eco2 ECO2_LOG_JSON=true ECO2_LOG_LEVEL=INFO

WORKDIR /app
COPY requirements.lock ./
RUN pip install -r requirements.lock
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install --no-deps . && useradd --system --home /var/lib/eco2 --create-home eco2

USER eco2
EXPOSE 8000
CMD ["eco2", "api", "--host", "0.0.0.0", "--port", "8000"]
