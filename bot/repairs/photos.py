"""Photos of a repair: checked by what they contain (not what they are called), stripped of
their metadata (GPS position, camera, time) before anyone else sees them, and kept under the hash of
the cleaned image, so the same photo is stored once: in a folder next to a SQLite database, or
in the store itself on PostgreSQL (see PhotoStore).

Decoding and re-encoding a large photo takes a few hundred milliseconds, so `clean` runs on a
worker thread; the event loop keeps answering everyone else meanwhile (bench/repairs.py). Pillow
is imported there, with the first photo, rather than at start-up, which it would cost 2 MiB."""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection, delete, select
from sqlmodel import Session, col

from bot.errors import UserError
from bot.runtime import FeatureState, Runtime
from storage.repairs import RepairPhoto, RepairPhotoData

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 40-megapixel photo; more is a decompression bomb, not a photo
# What Pillow calls each kind of image we keep, and how it is stored.
KINDS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}


@dataclass(frozen=True)
class CleanPhoto:
    data: bytes
    sha256: str
    content_type: str
    extension: str


def clean(data: bytes) -> CleanPhoto:
    """The photo re-encoded without any metadata, the right way up; UserError if it is too
    large or is not a JPEG, PNG or WebP image, whatever its name says."""
    if len(data) > MAX_BYTES:
        raise UserError(f"That photo is over {MAX_BYTES // 1024 // 1024} MB; send a smaller one.")
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            kind = image.format or ""
            if kind not in KINDS:
                raise UserError("Send a photo as a JPEG, PNG or WebP image.")
            if image.width * image.height > MAX_PIXELS:
                raise UserError("That image is too large to be a photo.")
            image.load()
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as error:
        # Pillow refuses before we can look: from 89 megapixels it warns (an error here), from
        # twice that it raises DecompressionBombError, which is no OSError. A few kilobytes of
        # PNG can claim 20000 x 20000 pixels.
        raise UserError("That image is too large to be a photo.") from error
    except (UnidentifiedImageError, OSError) as error:
        raise UserError("That is not a photo Moot can read (JPEG, PNG or WebP).") from error
    upright = ImageOps.exif_transpose(image)
    upright.info = {}  # no EXIF, XMP, comments or other text carried over by the encoder
    out = io.BytesIO()
    if kind == "JPEG":
        upright.save(out, "JPEG", quality=90, exif=b"")
    else:
        upright.save(out, kind, exif=b"")
    cleaned = out.getvalue()
    content_type, extension = KINDS[kind]
    return CleanPhoto(cleaned, hashlib.sha256(cleaned).hexdigest(), content_type, extension)


def folder_for(database_file: Path) -> Path:
    return database_file.parent / "photos"


def file_name(sha256: str, content_type: str) -> str:
    extension = next(ext for kind, ext in KINDS.values() if kind == content_type)
    return f"{sha256}.{extension}"


class PhotoStore(Protocol):
    """Where cleaned photos are kept, under the hash of their content."""

    def prepare(self, photo: CleanPhoto) -> None:
        """Before the write that attaches it, on a worker thread."""

    def add(self, session: Session, photo: CleanPhoto) -> None:
        """In the write that attaches it."""

    def read(self, session: Session, sha256: str, content_type: str) -> bytes | None:
        """The photo's bytes; None if it is missing."""

    def files(self, photos: Iterable[RepairPhoto]) -> list[Path]:
        """The files to delete once the write that forgets these photos commits (none when
        they are rows, deleted in that write)."""


@dataclass(frozen=True)
class FolderPhotos:
    """Photos as files in a folder: beside a SQLite database, so that the file stays small and
    its compaction fast, and the writer never stalls the event loop on megabytes."""

    folder: Path

    def prepare(self, photo: CleanPhoto) -> None:
        keep(self.folder, photo)

    def add(self, session: Session, photo: CleanPhoto) -> None:
        pass  # prepared already

    def read(self, session: Session, sha256: str, content_type: str) -> bytes | None:
        try:
            return (self.folder / file_name(sha256, content_type)).read_bytes()
        except OSError:
            return None

    def files(self, photos: Iterable[RepairPhoto]) -> list[Path]:
        return [path_of(self.folder, photo.sha256, photo.content_type) for photo in photos]


class TablePhotos:
    """Photos in the store itself (RepairPhotoData): on PostgreSQL, which every Moot process
    reaches and whose backups then hold them; forgetting a photo is part of the same commit."""

    def prepare(self, photo: CleanPhoto) -> None:
        pass  # added in the write

    def add(self, session: Session, photo: CleanPhoto) -> None:
        if session.get(RepairPhotoData, photo.sha256) is None:
            session.add(RepairPhotoData(sha256=photo.sha256, data=photo.data))

    def read(self, session: Session, sha256: str, content_type: str) -> bytes | None:
        found = session.get(RepairPhotoData, sha256)
        return None if found is None else found.data

    def files(self, photos: Iterable[RepairPhoto]) -> list[Path]:
        return []


@dataclass(frozen=True)
class RepairsSettings:
    """What the application may set for repairs: a folder to keep photos in (default: a
    `photos` folder beside the SQLite database file, or the store itself on PostgreSQL)."""

    photo_folder: Path | None = None


def kept_at(photo_folder: Path | None, database_file: Path | None) -> PhotoStore:
    """Where photos are kept: the folder chosen, else beside the SQLite file, else the store."""
    if photo_folder is not None:
        return FolderPhotos(photo_folder)
    return TablePhotos() if database_file is None else FolderPhotos(folder_for(database_file))


def _start(runtime: Runtime, settings: RepairsSettings) -> PhotoStore:
    return kept_at(settings.photo_folder, runtime.database_file)


PHOTO_STORE = FeatureState("repairs.photos", RepairsSettings(), _start)


def store(runtime: Runtime) -> PhotoStore:
    """Where this process keeps repair photos."""
    return runtime.state(PHOTO_STORE)


def drop(session: Session, gone: Iterable[str]) -> None:
    """Drop the bytes kept in the store of photos (by hash) that no report holds any longer."""
    session.exec(delete(RepairPhotoData).where(col(RepairPhotoData.sha256).in_(set(gone))))


@dataclass(frozen=True)
class Moved:
    """What `move` did: photos put where the target keeps them, and those the source lacked."""

    photos: int
    missing: int


def move(source: PhotoStore, target: PhotoStore, from_db: Connection, to_db: Connection) -> Moved:
    """Put every photo the source's reports hold where the target store keeps photos, inside the
    copy's transaction on the target (`moot db copy`): files become rows when the target keeps
    photos in the store, rows become files when it keeps them in a folder. Photos in a folder
    both use stay where they are. A photo already missing from the source stays missing."""
    if same_place(source, target):
        return Moved(0, 0)
    held = from_db.execute(
        select(col(RepairPhoto.sha256), col(RepairPhoto.content_type)).distinct()
    ).all()
    missing = 0
    for sha256, content_type in held:
        with Session(from_db) as reading:  # one photo's bytes in memory at a time
            data = source.read(reading, sha256, content_type)
        if data is None:
            missing += 1
            continue
        extension = file_name(sha256, content_type).rpartition(".")[2]
        photo = CleanPhoto(data, sha256, content_type, extension)
        target.prepare(photo)
        with Session(to_db) as writing:
            target.add(writing, photo)
            writing.flush()
    return Moved(len(held) - missing, missing)


def same_place(source: PhotoStore, target: PhotoStore) -> bool:
    """Whether both keep photos in one folder (two stores' tables are two places)."""
    return (
        isinstance(source, FolderPhotos)
        and isinstance(target, FolderPhotos)
        and source.folder.resolve() == target.folder.resolve()
    )


def path_of(folder: Path, sha256: str, content_type: str) -> Path:
    return folder / file_name(sha256, content_type)


def keep(folder: Path, photo: CleanPhoto) -> Path:
    """Write the cleaned photo under its hash (once; atomically, so a crash leaves no half
    photo)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{photo.sha256}.{photo.extension}"
    if path.exists():
        return path
    handle, temporary = tempfile.mkstemp(dir=folder, suffix=".part")
    with os.fdopen(handle, "wb") as file:
        file.write(photo.data)
    os.replace(temporary, path)
    return path
