"""SASL mechanisms and credential checks shared by every door."""

from .credentials import check_password
from .throttle import Verdict, is_blocked, record_failure, record_success

__all__ = ["Verdict", "check_password", "is_blocked", "record_failure", "record_success"]
