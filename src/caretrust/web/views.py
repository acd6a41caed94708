"""Sign-in, sign-out and each role's home page. Views stay thin: decisions live in `access.policy`,
writes in services, and page data in presenters."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from caretrust.web.forms import ThrottledAuthenticationForm
from caretrust.web.presenters import home_page_for


class SignInView(auth_views.LoginView):
    form_class = ThrottledAuthenticationForm
    template_name = "web/sign_in.jinja"
    redirect_authenticated_user = True
    extra_context = {"page_title": "Sign in"}


sign_in = login_not_required(SignInView.as_view())


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    return auth_views.LogoutView.as_view()(request)


def home(request: HttpRequest) -> HttpResponse:
    page = home_page_for(request.user)
    return render(request, page.template, {"page": page, "page_title": page.title})


@login_not_required
def about(request: HttpRequest) -> HttpResponse:
    return render(request, "web/about.jinja", {"page_title": "About caretrust"})
