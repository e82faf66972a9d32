"""Jobs: run a scenario (JSON body or TOML upload) in a worker process and poll its progress."""

from __future__ import annotations

import shutil
from pathlib import PurePath
from typing import Annotated

from fastapi import APIRouter, Depends, File, Path, UploadFile
from starlette.convertors import StringConvertor, register_url_convertor

from twin.scenario.models import Scenario

from .. import access, schemas
from ..state import AppState, state
from ..submissions import parse_upload, write_job_scenario

router = APIRouter(prefix="/api", tags=["jobs"], responses=schemas.errors(400, 404, 422))
FACILITATOR = access.needs("jobs")  # checked before the body is read
QUEUED = {202: {"description": "queued; poll /api/jobs/{id}"}, **schemas.errors(401, 403, 409, 413, 429)}


def _queue(app: AppState, scenario: Scenario, *, where: str) -> schemas.Job:
    """Check, write and queue; a refused job leaves nothing on disk."""
    app.jobs.check(scenario.name)
    job_id = app.jobs.new_id()
    folder = app.jobs.folder(job_id)
    try:
        path = write_job_scenario(scenario, folder, scenarios_dir=app.settings.scenarios_dir, where=where)
        return schemas.Job(**app.jobs.submit(path, job_id=job_id, name=scenario.name))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


@router.post("/jobs", response_model=schemas.Job, status_code=202, responses=QUEUED, summary="Run a scenario (JSON)",
             dependencies=[FACILITATOR])  # fmt: skip
def submit_json(scenario: Scenario, app: Annotated[AppState, Depends(state)]) -> schemas.Job:
    """Queue a run of a scenario given as JSON in the schema of scenario files (`twin schema`); a facilitator's
    token (admin or planner) is needed."""
    return _queue(app, scenario, where="body")


@router.post(
    "/jobs/upload",
    response_model=schemas.Job,
    status_code=202,
    responses=QUEUED,
    summary="Run a scenario file",
    dependencies=[FACILITATOR],
)
def submit_file(
    file: Annotated[UploadFile, File(description="a scenario file (TOML)")],
    app: Annotated[AppState, Depends(state)],
) -> schemas.Job:
    """Queue a run of an uploaded scenario file (TOML, at most the server's upload limit); a facilitator's token
    (admin or planner) is needed."""
    name = PurePath(file.filename or "").name or "upload.toml"  # a name for messages, never a path
    scenario = parse_upload(file.file.read(), filename=name)
    return _queue(app, scenario, where=name)


@router.get("/jobs", response_model=schemas.JobList, summary="Jobs, newest first")
def list_jobs(app: Annotated[AppState, Depends(state)]) -> schemas.JobList:
    return schemas.JobList(jobs=[schemas.Job(**j) for j in app.jobs.jobs()])


class JobId(StringConvertor):
    """A job id in a path: 16 hexadecimal digits, so that ``/api/jobs/upload`` is not read as a job (its ``Allow``
    header then lists only POST)."""

    regex = "[0-9a-f]{16}"


register_url_convertor("job_id", JobId())


@router.get("/jobs/{job:job_id}", response_model=schemas.Job, summary="A job's state and progress")
def get_job(
    job: Annotated[str, Path(pattern=r"^[0-9a-f]{16}$", description="job id")], app: Annotated[AppState, Depends(state)]
) -> schemas.Job:
    return schemas.Job(**app.jobs.get(job))
