from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("signout/", auth_views.LogoutView.as_view(next_page="/"), name="signout"),
]
