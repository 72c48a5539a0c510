FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
COPY pyproject.toml README.md alembic.ini ./
COPY src ./src
COPY migrations ./migrations
RUN pip install --no-cache-dir . && useradd --system --no-create-home doan3cd
USER doan3cd
EXPOSE 8000
# Migrate, then serve; several replicas may start at once (Alembic takes a lock on PostgreSQL).
CMD ["sh", "-c", "doan3cd migrate && doan3cd serve --host 0.0.0.0 --port 8000"]
