"""Errors the emulator answers, with the body shapes of the reference doc's section 12.3.

JcError                       any status; body {"code", "message", "status"} (SPEC-2022 `Error`)
├── BadRequest(ValueError)    400 INVALID_ARGUMENT
├── NotFound(LookupError)     404 {"code": 404, "message": "Not Found", "status": "NOT_FOUND"}
├── Conflict                  409 FAILED_PRECONDITION (a manager deleted without cascade_manager)
├── UserExists                409 ALREADY_EXISTS (a duplicate user, with EmulatorConfig.duplicate_user)
├── AlreadyExists             409 {"message": "Already Exists"} (v2, as PSMOD saw it)
└── Unauthorized              401 {"error": "Unauthorized", "message": ...} or {"message": ...}
"""

from __future__ import annotations

from typing import Any, ClassVar


class JcError(Exception):
    """A JumpCloud-shaped failure; `body()` is what goes on the wire."""

    status: ClassVar[int] = 500
    grpc_status: ClassVar[str] = "INTERNAL"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def body(self) -> dict[str, Any]:
        """The JSON body: SPEC-2022's `Error` schema."""
        return {"code": self.status, "message": self.message, "status": self.grpc_status}


class BadRequest(JcError, ValueError):
    """The request is malformed or fails validation (duplicates included: JumpCloud says 400)."""

    status = 400
    grpc_status = "INVALID_ARGUMENT"


class NotFound(JcError, LookupError):
    """No such user, group or membership in the caller's org."""

    status = 404
    grpc_status = "NOT_FOUND"

    def __init__(self, message: str = "Not Found") -> None:
        super().__init__(message)


class Conflict(JcError):
    """The write conflicts with other data, e.g. deleting a user who still manages others."""

    status = 409
    grpc_status = "FAILED_PRECONDITION"


class UserExists(JcError):
    """A duplicate username, email or employeeIdentifier, when the emulator answers it 409."""

    status = 409
    grpc_status = "ALREADY_EXISTS"


class AlreadyExists(JcError):
    """A v2 group name or membership that already exists; body exactly as PSMOD recorded it."""

    status = 409

    def __init__(self, message: str = "Already Exists") -> None:
        super().__init__(message)

    def body(self) -> dict[str, Any]:
        """Only `message`, as recorded."""
        return {"message": self.message}


class Unauthorized(JcError):
    """A bad key (the DefGuard-recorded body) or a multi-tenant key with no usable org."""

    status = 401

    def __init__(self, message: str, *, with_error: bool) -> None:
        super().__init__(message)
        self.with_error = with_error

    def body(self) -> dict[str, Any]:
        """`{"error": "Unauthorized", "message": ...}` for a bad key, `{"message": ...}` for no org."""
        return {"error": "Unauthorized", "message": self.message} if self.with_error else {"message": self.message}
