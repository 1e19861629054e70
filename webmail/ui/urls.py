from django.contrib.auth import views as auth_views
from django.urls import path

from .views import compose, content, folders, messages, pages

app_name = "ui"

urlpatterns = [
    path("", pages.home, name="home"),
    path("signout/", auth_views.LogoutView.as_view(next_page="/"), name="signout"),
    path("api/folders", folders.folders, name="folders"),
    path("api/folders/<int:folder_id>", folders.folder_action, name="folder"),
    path("api/folders/<int:folder_id>/messages", messages.message_list, name="list"),
    path("api/search", messages.search, name="search"),
    path("api/messages/<int:item_id>", messages.message, name="message"),
    path("api/messages/<int:item_id>/compose", compose.prefill, name="prefill"),
    path("api/messages/<int:item_id>/receipt", messages.receipt, name="receipt"),
    path("api/actions", messages.actions, name="actions"),
    path("api/trust", messages.trust_sender, name="trust"),
    path("api/preferences", messages.preferences, name="preferences"),
    path("api/addresses", compose.addresses, name="addresses"),
    path("api/uploads", compose.upload, name="upload"),
    path("api/uploads/<int:upload_id>/discard", compose.discard_upload, name="discard"),
    path("api/drafts", compose.save_draft, name="save_draft"),
    path("api/send", compose.send, name="send"),
    path("message/<int:item_id>/body", content.body, name="body"),
    path("message/<int:item_id>/part/<str:section>", content.part, name="part"),
    path("message/<int:item_id>/source", content.source, name="source"),
    path("message/<int:item_id>/print", content.print_view, name="print"),
]
