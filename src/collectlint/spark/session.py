"""The Spark session a check runs in: quiet, in UTC, and with this Python on every worker.

PySpark starts a JVM (Java 17 or later) and Python workers.  Everything a worker runs is this
package, imported by the same interpreter as the driver's (`spark.pyspark.python`), so the
compiled rules on the workers are the driver's own.  Spark's console logging and progress bar
are turned off: a check's output is its report.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from collectlint.errors import UsageError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

LOG4J = """\
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
"""
"""Spark's own logging: errors only, on standard error."""


def settings(master: str, scratch: Path, extra: Mapping[str, str]) -> dict[str, str]:
    """The session's configuration: `extra` (`--conf KEY=VALUE`) wins over these."""
    log4j = scratch / "log4j2.properties"
    log4j.write_text(LOG4J, encoding="utf-8")
    java = f"-Dlog4j2.configurationFile=file:{log4j} -Djava.io.tmpdir={scratch}"
    return {
        "spark.master": master,
        "spark.app.name": "collectlint",
        "spark.pyspark.python": sys.executable,
        "spark.pyspark.driver.python": sys.executable,
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        # instants stay instants: no conversion to a session zone anywhere
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.sql.execution.arrow.maxRecordsPerBatch": "100000",
        "spark.local.dir": str(scratch),
        "spark.sql.warehouse.dir": str(scratch / "warehouse"),
        "spark.driver.extraJavaOptions": java,
        "spark.executor.extraJavaOptions": java,
        **extra,
    }


@contextmanager
def session(master: str, extra: Mapping[str, str]) -> Iterator[SparkSession]:
    """A Spark session for one check, stopped (and its scratch folder removed) after it."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise UsageError(
            "--engine spark needs PySpark: pip install 'collectlint[spark]' (and Java 17+)"
        ) from None
    if shutil.which("java") is None and "JAVA_HOME" not in os.environ:
        raise UsageError("--engine spark needs Java 17 or later (no java on PATH, no JAVA_HOME)")
    scratch = Path(tempfile.mkdtemp(prefix="collectlint-spark-"))
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    if master.startswith("local"):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = SparkSession.builder
    for key, value in settings(master, scratch, extra).items():
        builder = builder.config(key, value)
    spark = _quietly(builder.getOrCreate)
    spark.sparkContext.setLogLevel("ERROR")
    try:
        yield spark
    finally:
        spark.stop()
        shutil.rmtree(scratch, ignore_errors=True)


def _quietly(start: Callable[[], SparkSession]) -> SparkSession:
    """Start the JVM with its standard error sent to the void: the launcher prints notices
    (native libraries, default log levels) before any logging configuration applies."""
    saved = os.dup(2)
    void = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(void, 2)
        return start()
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(void)
