"""`flask jobs ...`: worker processes and the operator's view of the queue."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from procure import uow
from procure.extensions import db

jobs_cli = AppGroup("jobs", help="Background jobs: workers, dead-worker recovery, the queue.")


@jobs_cli.command("work")
@click.option("--burst", is_flag=True, help="Run what is queued, then stop.")
def work(burst):
    """Embedded backend: a worker process taking jobs from the database (beside the web servers)."""
    backend = current_app.extensions["jobs"].backend
    if backend.name != "embedded":
        raise click.ClickException("JOB_BACKEND=rq: use `flask jobs rq-worker`")
    if burst:
        while backend.work_once():
            pass
    else:
        backend.work_forever()


@jobs_cli.command("rq-worker")
@click.option("--burst", is_flag=True, help="Run what is queued, then stop.")
def rq_worker(burst):
    """RQ backend: a worker process taking jobs from Redis, with a reaper for dead workers' jobs."""
    backend = current_app.extensions["jobs"].backend
    if backend.name != "rq":
        raise click.ClickException("JOB_BACKEND is not rq: use `flask jobs work`")
    backend.work(burst=burst)


@jobs_cli.command("reap")
def reap():
    """Put dead workers' jobs back in the queue (or fail them, with the reason), once."""
    from procure.jobs import runner

    requeued = runner.reap()
    backend = current_app.extensions["jobs"].backend
    for job_id in requeued:
        backend.enqueue(job_id)
    click.echo(f"requeued {len(requeued)}")


@jobs_cli.command("status")
def status():
    """How many jobs are in each state."""
    from procure.jobs.model import Job

    for state, count in db.session.execute(select(Job.status, func.count()).group_by(Job.status)):
        click.echo(f"{state}\t{count}")
    uow.rollback()


@jobs_cli.command("purge-files")
def purge_files():
    """Delete stored files past their retention (uploads 90 days, invoice PDFs seven years)."""
    from procure import storage

    count = storage.purge()
    uow.finish(True)
    click.echo(f"deleted {count}")
