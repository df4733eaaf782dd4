"""Route guards for system roles. Meeting roles are checked by ``server.meetings.access``."""

from __future__ import annotations

from collections.abc import Callable

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from server.auth.models import SystemRole
from server.auth.service import Principal
from server.errors import Forbidden

Guard = Callable[[ASGIConnection, BaseRouteHandler], None]


def requires_role(*roles: SystemRole) -> Guard:
    allowed = frozenset(roles)

    def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        principal: Principal = connection.user
        if principal.role not in allowed:
            raise Forbidden(
                "Your role may not do this",
                "Vai trò của bạn không được phép thực hiện thao tác này",
            )

    return guard


admin_only = requires_role(SystemRole.admin)
staff_only = requires_role(SystemRole.admin, SystemRole.secretary)
