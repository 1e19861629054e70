"""Django admin: domains, accounts, aliases and quotas to manage; folders, items and the
queue to look at (mailbox state changes only through the store)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db import transaction
from django.template.defaultfilters import filesizeformat

from .delivery import retry_now
from .delivery.tasks import relay_queued
from .models import Account, Alias, Domain, Folder, Item, QueuedMessage, QueueRecipient
from .store import AlreadyExists, InvalidAddress, create_account, quota_usage


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ["name", "active", "created"]
    search_fields = ["name"]


class AccountForm(forms.ModelForm):
    password = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Set a new password (leave empty to keep the current one).",
    )

    class Meta:
        model = Account
        fields = ["address", "display_name", "quota_bytes", "enabled"]


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    form = AccountForm
    list_display = ["address", "display_name", "enabled", "quota", "usage"]
    list_filter = ["enabled", "domain"]
    search_fields = ["address", "display_name"]

    def get_readonly_fields(self, request, obj=None):
        return ["address"] if obj else []

    @admin.display(description="quota")
    def quota(self, obj: Account) -> str:
        return filesizeformat(obj.quota_bytes) if obj.quota_bytes else "unlimited"

    @admin.display(description="used")
    def usage(self, obj: Account) -> str:
        return filesizeformat(quota_usage(obj))

    def save_model(self, request, obj: Account, form, change: bool) -> None:
        password = form.cleaned_data.get("password") or None
        if not change:
            try:
                created = create_account(
                    obj.address,
                    password,
                    display_name=obj.display_name,
                    quota_bytes=obj.quota_bytes,
                )
            except (InvalidAddress, AlreadyExists) as exc:
                messages.error(request, str(exc))
                raise
            obj.pk, obj.user_id, obj.domain_id = created.pk, created.user_id, created.domain_id
            return
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if password:
                obj.user.set_password(password)
                obj.user.save(update_fields=["password"])
            get_user_model().objects.filter(pk=obj.user_id).update(is_active=obj.enabled)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is None:
            form.base_fields["password"].required = True
        return form


@admin.register(Alias)
class AliasAdmin(admin.ModelAdmin):
    list_display = ["address", "description", "enabled"]
    search_fields = ["address", "description"]
    filter_horizontal = ["accounts"]
    exclude = ["domain"]

    def save_model(self, request, obj: Alias, form, change: bool) -> None:
        from .store import normalise_address

        local, domain_name = normalise_address(obj.address)
        obj.address = f"{local}@{domain_name}"
        obj.domain, _ = Domain.objects.get_or_create(name=domain_name)
        super().save_model(request, obj, form, change)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Folder)
class FolderAdmin(ReadOnlyAdmin):
    list_display = [
        "name",
        "account",
        "kind",
        "special_use",
        "exists_count",
        "unseen_count",
        "size_total",
        "uidvalidity",
        "uidnext",
        "highestmodseq",
    ]
    list_filter = ["kind"]
    search_fields = ["name", "account__address"]
    list_select_related = ["account"]


@admin.register(Item)
class ItemAdmin(ReadOnlyAdmin):
    list_display = ["uid", "folder", "subject", "sender", "internal_date", "size", "seen"]
    search_fields = ["subject", "sender", "message_id"]
    list_select_related = ["folder"]
    exclude = ["summary"]
    show_full_result_count = False


class QueueRecipientInline(admin.TabularInline):
    model = QueueRecipient
    extra = 0
    can_delete = False
    fields = [
        "address",
        "is_local",
        "state",
        "attempts",
        "last_error",
        "next_attempt",
        "notify",
        "orcpt",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(QueuedMessage)
class QueuedMessageAdmin(ReadOnlyAdmin):
    """The queue, read-only except for two actions: "Retry now" and Django's delete."""

    list_display = ["pk", "mail_from", "source", "size", "created", "recipient_states"]
    list_filter = ["source", "recipients__state"]
    search_fields = ["mail_from", "recipients__address"]
    inlines = [QueueRecipientInline]
    actions = ["retry_now"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("recipients")

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("mailcore.delete_queuedmessage")

    def has_retry_permission(self, request) -> bool:
        return request.user.has_perm("mailcore.change_queuedmessage")

    @admin.display(description="recipients")
    def recipient_states(self, obj: QueuedMessage) -> str:
        counts: dict[str, int] = {}
        for rcpt in obj.recipients.all():
            counts[rcpt.state] = counts.get(rcpt.state, 0) + 1
        return ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))

    @admin.action(description="Retry now", permissions=["retry"])
    def retry_now(self, request, queryset) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        count = retry_now(ids)
        for message_id in ids:
            relay_queued.delay(message_id)
        self.message_user(
            request, f"Retrying {count} recipient(s) of {len(ids)} message(s).", messages.SUCCESS
        )
