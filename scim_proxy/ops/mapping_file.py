"""The attribute table in force, built once at start-up from the settings: the built-in rows, the
externalId field (`SCIM_PROXY_EXTERNAL_ID_FIELD`) and the admin's mapping file
(`SCIM_PROXY_MAPPING_FILE`). A file that cannot be used stops the start with its line named."""

from __future__ import annotations

from pathlib import Path

from scim_proxy.scim.schema import DEFAULT_USER_SCHEMA
from scim_proxy.settings import Settings
from scim_proxy.translate.custom import MappingError, parse_mapping, with_external_id_field
from scim_proxy.translate.users import UserMapping

MAX_FILE_BYTES = 1_048_576


def load_user_mapping(settings: Settings) -> UserMapping:
    """How users translate in this deployment; MappingError (naming the file and line) if it cannot."""
    schema = with_external_id_field(DEFAULT_USER_SCHEMA, settings.external_id_field)
    if settings.mapping_file:
        try:
            rows = parse_mapping(_read(Path(settings.mapping_file)), schema)
        except MappingError as exc:
            raise MappingError(f"{settings.mapping_file}: {exc}") from None
        schema = schema.extended(rows)
    return UserMapping(
        schema=schema, username_from_email=settings.username_from_email, delete_mode=settings.delete_mode
    )


def _read(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise MappingError(f"cannot be read ({exc.strerror or type(exc).__name__})") from None
    if len(raw) > MAX_FILE_BYTES:
        raise MappingError(f"is larger than {MAX_FILE_BYTES} bytes")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise MappingError("is not UTF-8 text") from None
