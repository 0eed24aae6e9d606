# The workbench app (Streamlit) for docker-compose; it reads NEO4J_* / WORKBENCH_NEO4J_URI from the environment.
FROM python:3.11-slim
WORKDIR /workbench
ENV PIP_NO_CACHE_DIR=1 PYTHONUNBUFFERED=1
COPY pyproject.toml README.md ./
COPY workbench ./workbench
COPY graph_loaders ./graph_loaders
COPY queries ./queries
COPY app.py ./
RUN pip install -e .
EXPOSE 8501
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://localhost:8501/_stcore/health')"
CMD ["streamlit", "run", "app.py", "--server.port", "8501", "--server.address", "0.0.0.0", \
     "--server.headless", "true", "--browser.gatherUsageStats", "false"]
