"""The store's mobile apps and two-step uploads."""

from __future__ import annotations

import re

from ._records import (
    ACCEPTED_APP_SUFFIXES,
    AppRecord,
    Invalid,
    NotFound,
    UploadRecord,
)
from ._store_catalog import CatalogStore

__all__ = ["MobileStore"]


class MobileStore(CatalogStore):
    def check_app_filename(self, filename: str) -> None:
        if not filename.lower().endswith(ACCEPTED_APP_SUFFIXES):
            raise Invalid(
                "filename", f"Unsupported file type; expected one of {', '.join(ACCEPTED_APP_SUFFIXES)}"
            )

    def add_app(
        self, project_ref: str, filename: str, file_size: int, remove_after: int | None, source: str
    ) -> AppRecord:
        with self.lock:
            project = self.project(project_ref)
            self.check_app_filename(filename)
            stem = re.sub(r"[^a-z0-9]+", "", filename.lower().split(".")[0]) or "app"
            app = AppRecord(
                id=self.new_id(),
                project_id=project.id,
                platform="android" if filename.lower().endswith(".apk") else "ios",
                filename=filename,
                bundle_id=f"com.example.{stem}",
                app_version="1.0.0",
                build_version=str(1 + len(self.apps)),
                file_size=file_size,
                source=source,
                remove_after=remove_after,
                created_at=self.clock.now(),
            )
            self.apps[app.id] = app
            return app

    def app(self, app_id: str) -> AppRecord | None:
        with self.lock:
            return self.apps.get(app_id.lower())

    def live_apps(self, project_ref: str) -> list[AppRecord]:
        with self.lock:
            project = self.project(project_ref)
            now = self.clock.now()
            return [
                a
                for a in self.apps.values()
                if a.project_id == project.id
                and (a.remove_after is None or a.created_at + a.remove_after > now)
            ]

    def delete_app(self, project_ref: str, app_id: str) -> AppRecord:
        with self.lock:
            project = self.project(project_ref)
            app = self.apps.get(app_id.lower())
            if app is None or app.project_id != project.id:
                raise NotFound(f"Mobile app {app_id} not found in project {project_ref!r}")
            del self.apps[app.id]
            return app

    def start_upload(
        self, project_ref: str, filename: str, file_size: int, remove_after: int | None
    ) -> UploadRecord:
        with self.lock:
            project = self.project(project_ref)
            self.check_app_filename(filename)
            upload = UploadRecord(
                storage_key=f"uploads/{project.id}/{self._token(16)}/{filename}",
                project_id=project.id,
                filename=filename,
                file_size=file_size,
                remove_after=remove_after,
                created_at=self.clock.now(),
            )
            self.uploads[upload.storage_key] = upload
            return upload

    def receive_upload(self, storage_key: str, size: int) -> UploadRecord:
        with self.lock:
            upload = self.uploads.get(storage_key)
            if upload is None:
                raise NotFound("Unknown upload URL")
            upload.received_bytes = size
            return upload

    def confirm_upload(
        self, project_ref: str, storage_key: str, filename: str, file_size: int, remove_after: int | None
    ) -> AppRecord:
        with self.lock:
            project = self.project(project_ref)
            upload = self.uploads.get(storage_key)
            if upload is None or upload.project_id != project.id:
                raise Invalid("storageKey", "Unknown storageKey for this project")
            if upload.filename != filename:
                raise Invalid("filename", "Does not match the filename of step 1")
            if upload.file_size != file_size:
                raise Invalid("fileSize", "Does not match the fileSize of step 1")
            if upload.received_bytes is None:
                raise Invalid("storageKey", "Nothing was uploaded yet; PUT the file to uploadUrl first")
            if upload.received_bytes != file_size:
                raise Invalid("fileSize", f"Uploaded {upload.received_bytes} bytes, expected {file_size}")
            del self.uploads[storage_key]
            return self.add_app(project.id, filename, file_size, remove_after, source="api_upload")
