"""THE store: the only code that reads or writes mailbox state.

Every function names the acting account; authorization is decided here, once, for every
door. Another account's folders and items behave exactly as if they did not exist.
"""

from . import criteria
from .accounts import DEFAULT_FOLDERS, InvalidAddress, create_account, normalise_address
from .blobs import collect_garbage, read_blob
from .changes import (
    ChangeRecord,
    FolderStatus,
    changes_since,
    folder_status,
    hierarchy_changes_since,
)
from .criteria import search, search_items
from .errors import (
    AlreadyExists,
    HasChildren,
    InvalidFlag,
    InvalidName,
    NotFound,
    NotPermitted,
    QuotaExceeded,
    StoreError,
    TooLarge,
)
from .flags import FlagMode, FlagResult, flag_names, store_flags
from .folders import (
    DELIMITER,
    INBOX,
    create_folder,
    delete_folder,
    find_folder,
    get_folder,
    list_folders,
    move_folder,
    rename_folder,
    set_subscribed,
    special_folder,
)
from .items import (
    Appended,
    Copied,
    GroupwareFields,
    PreparedMessage,
    append,
    copy,
    expunge,
    get_item,
    items,
    move,
    prepare,
    quota_usage,
    read_raw,
    summary_of,
    uid_list,
)
from .uids import UidSet

__all__ = [
    "DEFAULT_FOLDERS",
    "DELIMITER",
    "INBOX",
    "AlreadyExists",
    "Appended",
    "ChangeRecord",
    "Copied",
    "FlagMode",
    "FlagResult",
    "FolderStatus",
    "GroupwareFields",
    "HasChildren",
    "InvalidAddress",
    "InvalidFlag",
    "InvalidName",
    "NotFound",
    "NotPermitted",
    "PreparedMessage",
    "QuotaExceeded",
    "StoreError",
    "TooLarge",
    "UidSet",
    "append",
    "changes_since",
    "collect_garbage",
    "copy",
    "create_account",
    "create_folder",
    "criteria",
    "delete_folder",
    "expunge",
    "find_folder",
    "flag_names",
    "folder_status",
    "get_folder",
    "get_item",
    "hierarchy_changes_since",
    "items",
    "list_folders",
    "move",
    "move_folder",
    "normalise_address",
    "prepare",
    "quota_usage",
    "read_blob",
    "read_raw",
    "rename_folder",
    "search",
    "search_items",
    "set_subscribed",
    "special_folder",
    "store_flags",
    "summary_of",
    "uid_list",
]
