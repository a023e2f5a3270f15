"""The API root: /api/v1/, one error format for every failure."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from hanjiang.accounts.access import public_page
from hanjiang.accounts.api import router as accounts_router
from hanjiang.accounts.api_auth import roles_auth
from hanjiang.core.errors import DomainError, ErrorItem, error_body
from hanjiang.crossborder.api import router as crossborder_router
from hanjiang.dashboards.api import router as dashboards_router
from hanjiang.network.api import router as network_router
from hanjiang.plans.api import router as plans_router
from hanjiang.registry.api import router as registry_router
from hanjiang.reporting.api import router as reporting_router
from hanjiang.traceability.api import router as traceability_router

api = NinjaAPI(
    title="Hanjiang API",
    version="1.0.0",
    description=(
        "Hanjiang e-commerce public service platform. Authenticate with "
        "`Authorization: Bearer <token>` (create tokens under API tokens) or a signed-in session. "
        "Every error answers with {status, code, field, message, errors[]}; messages follow "
        "Accept-Language (zh-hans default, en)."
    ),
    auth=roles_auth(),
    urls_namespace="api-1.0.0",
    docs_decorator=public_page,
)
api.add_router("/", accounts_router)
api.add_router("/", registry_router)
api.add_router("/", reporting_router)
api.add_router("/", network_router)
api.add_router("/", crossborder_router)
api.add_router("/", traceability_router)
api.add_router("/", plans_router)
api.add_router("/", dashboards_router)


def _respond(request: HttpRequest, status: int, errors: list[ErrorItem]) -> HttpResponse:
    return api.create_response(request, error_body(status, errors), status=status)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, error: DomainError) -> HttpResponse:
    return _respond(request, error.status, error.errors)


@api.exception_handler(NinjaValidationError)
def invalid_request(request: HttpRequest, error: NinjaValidationError) -> HttpResponse:
    items: list[ErrorItem] = []
    for detail in error.errors:
        location = [str(part) for part in detail.get("loc", ()) if part not in {"body", "payload"}]
        kind = str(detail.get("type", "invalid"))
        if kind == "json_invalid":
            message = _("The request body is not valid JSON.")
            code = "malformed_json"
        elif kind == "missing":
            message = _("This field is required.")
            code = "required"
        else:
            message = _("Invalid value: %(reason)s") % {"reason": detail.get("msg", "")}
            code = kind
        # ninja prefixes the location with the parameter's name ("payload"); drop it.
        items.append(ErrorItem(code, message, field=".".join(location[1:] or location) or None))
    return _respond(request, 422, items)


@api.exception_handler(AuthenticationError)
def not_authenticated(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    return _respond(
        request, 401, [ErrorItem("not_authenticated", _("Sign in or send a valid API token."))]
    )


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, error: PermissionDenied) -> HttpResponse:
    return _respond(
        request, 403, [ErrorItem("forbidden", _("Your role does not allow this operation."))]
    )


@api.exception_handler(Http404)
def not_found(request: HttpRequest, error: Http404) -> HttpResponse:
    return _respond(request, 404, [ErrorItem("not_found", _("Not found."))])


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    if error.status_code == 400:
        # ninja raises this when the body cannot be parsed as JSON.
        item = ErrorItem("malformed_json", _("The request body is not valid JSON."))
    else:
        item = ErrorItem("http_error", str(error))
    return _respond(request, error.status_code, [item])
