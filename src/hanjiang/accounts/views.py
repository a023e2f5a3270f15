from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hanjiang.accounts import selectors, services
from hanjiang.accounts.access import public_page, roles_required
from hanjiang.accounts.forms import SignInForm, TokenForm, UserCreateForm
from hanjiang.accounts.models import Role, User
from hanjiang.core.errors import DomainError
from hanjiang.core.forms import add_domain_errors


@method_decorator(public_page, name="dispatch")
class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


sign_in = public_page(SignInView.as_view())
sign_out = public_page(auth_views.LogoutView.as_view())


@roles_required()
def token_list(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    new_key: str | None = None
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_key = services.token_create(
                actor=user, user=user, name=form.cleaned_data["name"]
            )
        except DomainError as error:
            add_domain_errors(form, error)
        else:
            form = TokenForm()
    tokens = selectors.token_list(actor=user)
    return render(
        request,
        "accounts/tokens.html",
        {"tokens": tokens, "form": form, "new_key": new_key},
    )


@require_POST
@roles_required()
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    user = cast(User, request.user)
    token = get_object_or_404(selectors.token_list(actor=user), pk=token_id)
    try:
        services.token_revoke(actor=user, token=token)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("accounts:tokens")


@roles_required(Role.CITY_ADMIN)
def user_list(request: HttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_create(
                actor=request.user,
                username=data["username"],
                password=data["password"],
                role=data["role"],
                county_id=data["county"].pk if data["county"] else None,
                organisation_id=data["organisation"].pk if data["organisation"] else None,
                full_name=data["full_name"],
                email=data["email"],
            )
        except DomainError as error:
            add_domain_errors(form, error)
        else:
            messages.success(request, _("User %(name)s created.") % {"name": user.username})
            return redirect("accounts:users")
    return render(request, "accounts/users.html", {"users": selectors.user_list(), "form": form})
