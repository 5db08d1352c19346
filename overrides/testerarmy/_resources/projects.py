"""``client.projects``: project settings, pull-request runs, credentials and mobile app builds.

``project_id`` accepts the project's id or its shortId.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, BinaryIO

from . import _operations as ops
from ._base import AsyncCore, SyncCore

if TYPE_CHECKING:
    from testerarmy_api.models import (
        ConfirmMobileAppUploadResponse,
        CreateCredentialResponse,
        DeleteMobileAppResponse,
        InitiateMobileAppUploadResponse,
        MobileAppList,
        TriggerPullRequestRunResponse,
        UpdateProjectResponse,
        UploadMobileAppResponse,
    )

__all__ = ["AsyncProjects", "Projects"]

Body = Mapping[str, Any]


class Projects:
    def __init__(self, core: SyncCore) -> None:
        self._core = core

    def update(self, project_id: str, body: Body) -> UpdateProjectResponse:
        return self._core.request(ops.update_project(project_id, body))

    def trigger_pull_request_run(
        self, project_id: str, *, target_url: str, number: int, title: str, commit_sha: str
    ) -> TriggerPullRequestRunResponse:
        """Start a dynamic PR run against ``target_url`` (e.g. a preview deployment)."""
        return self._core.request(
            ops.trigger_pull_request_run(
                project_id, target_url=target_url, number=number, title=title, commit_sha=commit_sha
            )
        )

    def create_credential(self, project_id: str, body: Body) -> CreateCredentialResponse:
        """Store a login/inbox credential (write-only: passwords are never returned)."""
        return self._core.request(ops.create_credential(project_id, body))

    def list_mobile_apps(self, project_id: str) -> MobileAppList:
        return self._core.request(ops.list_mobile_apps(project_id))

    def upload_mobile_app(
        self, project_id: str, file: BinaryIO, *, filename: str, remove_after: int | None = None
    ) -> UploadMobileAppResponse:
        """Single-step multipart upload (``file`` opened in binary mode)."""
        return self._core.request(ops.upload_mobile_app(project_id, file, filename, remove_after))

    def initiate_mobile_app_upload(
        self, project_id: str, *, filename: str, file_size: int, remove_after: int | None = None
    ) -> InitiateMobileAppUploadResponse:
        """Step 1 of the two-step upload: returns a pre-signed ``uploadUrl`` valid 30 minutes."""
        return self._core.request(
            ops.initiate_mobile_app_upload(
                project_id, filename=filename, file_size=file_size, remove_after=remove_after
            )
        )

    def confirm_mobile_app_upload(
        self,
        project_id: str,
        *,
        storage_key: str,
        filename: str,
        file_size: int,
        remove_after: int | None = None,
    ) -> ConfirmMobileAppUploadResponse:
        """Step 3 of the two-step upload, after the file was PUT to ``uploadUrl``."""
        return self._core.request(
            ops.confirm_mobile_app_upload(
                project_id,
                storage_key=storage_key,
                filename=filename,
                file_size=file_size,
                remove_after=remove_after,
            )
        )

    def delete_mobile_app(self, project_id: str, app_id: str | uuid.UUID) -> DeleteMobileAppResponse:
        return self._core.request(ops.delete_mobile_app(project_id, app_id))


class AsyncProjects:
    """Async twin of :class:`Projects`."""

    def __init__(self, core: AsyncCore) -> None:
        self._core = core

    async def update(self, project_id: str, body: Body) -> UpdateProjectResponse:
        return await self._core.request(ops.update_project(project_id, body))

    async def trigger_pull_request_run(
        self, project_id: str, *, target_url: str, number: int, title: str, commit_sha: str
    ) -> TriggerPullRequestRunResponse:
        return await self._core.request(
            ops.trigger_pull_request_run(
                project_id, target_url=target_url, number=number, title=title, commit_sha=commit_sha
            )
        )

    async def create_credential(self, project_id: str, body: Body) -> CreateCredentialResponse:
        return await self._core.request(ops.create_credential(project_id, body))

    async def list_mobile_apps(self, project_id: str) -> MobileAppList:
        return await self._core.request(ops.list_mobile_apps(project_id))

    async def upload_mobile_app(
        self, project_id: str, file: BinaryIO, *, filename: str, remove_after: int | None = None
    ) -> UploadMobileAppResponse:
        return await self._core.request(ops.upload_mobile_app(project_id, file, filename, remove_after))

    async def initiate_mobile_app_upload(
        self, project_id: str, *, filename: str, file_size: int, remove_after: int | None = None
    ) -> InitiateMobileAppUploadResponse:
        return await self._core.request(
            ops.initiate_mobile_app_upload(
                project_id, filename=filename, file_size=file_size, remove_after=remove_after
            )
        )

    async def confirm_mobile_app_upload(
        self,
        project_id: str,
        *,
        storage_key: str,
        filename: str,
        file_size: int,
        remove_after: int | None = None,
    ) -> ConfirmMobileAppUploadResponse:
        return await self._core.request(
            ops.confirm_mobile_app_upload(
                project_id,
                storage_key=storage_key,
                filename=filename,
                file_size=file_size,
                remove_after=remove_after,
            )
        )

    async def delete_mobile_app(self, project_id: str, app_id: str | uuid.UUID) -> DeleteMobileAppResponse:
        return await self._core.request(ops.delete_mobile_app(project_id, app_id))
