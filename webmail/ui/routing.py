from django.urls import path

from .consumers import MailboxConsumer

websocket_urlpatterns = [path("ws/mail/", MailboxConsumer.as_asgi())]
