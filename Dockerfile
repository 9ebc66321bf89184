# The govlake image: Airflow 3 with the project and its locked dependencies.
FROM python:3.11-slim-bookworm
ENV UV_PYTHON_DOWNLOADS=never UV_PROJECT_ENVIRONMENT=/opt/govlake/.venv PATH=/opt/govlake/.venv/bin:$PATH
# A Java runtime for the second engine (docs/spark.md: dbt-spark in session mode starts a JVM;
# pyspark 4 needs Java 17 or later), chosen by orchestration.yaml's dbt.engine.
RUN apt-get update && apt-get install -y --no-install-recommends openjdk-17-jre-headless \
    && rm -rf /var/lib/apt/lists/*
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /opt/govlake
COPY pyproject.toml uv.lock README.md ./
COPY govlake ./govlake
COPY ingest ./ingest
COPY transform ./transform
COPY quality ./quality
COPY catalog ./catalog
COPY sharing ./sharing
COPY conductor ./conductor
COPY synth ./synth
RUN uv sync --frozen --no-dev --extra deploy
COPY dags ./dags
COPY dbt_project ./dbt_project
RUN useradd --uid 50000 --create-home airflow && mkdir -p /lake && chown airflow /lake
USER airflow
