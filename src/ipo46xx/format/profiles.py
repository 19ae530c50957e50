"""Every phone profile the evaluator knows, and one setting as each of them gets it."""

from __future__ import annotations

from .document import SettingsFile
from .evaluation import Loader, Phone, Setting, evaluate
from .phonemodels import MODELS

__all__ = ["phone_profiles", "profile_name", "setting_per_profile", "settings_per_profile"]


def phone_profiles() -> list[Phone]:
    """One phone per row of the model table (model and signalling), group 0.

    >>> [profile_name(p) for p in phone_profiles()][:2]
    ['1603 H323', '1603 SIP']
    """
    return [Phone.for_model(row) for row in MODELS]


def profile_name(phone: Phone) -> str:
    """``9611 H323``: how reports name a profile."""
    return f"{phone.model4} {phone.sig}"


def settings_per_profile(
    doc: SettingsFile, name: str, loader: Loader | None = None
) -> dict[str, Setting | None]:
    """What each profile gets for setting ``name``, with the file and line that set it."""
    return {
        profile_name(phone): evaluate(doc, phone, loader).settings.get(name.upper())
        for phone in phone_profiles()
    }


def setting_per_profile(
    doc: SettingsFile, name: str, loader: Loader | None = None
) -> dict[str, str | None]:
    """The value of setting ``name`` for each profile (``None``: not set).

    >>> from ipo46xx import parse
    >>> setting_per_profile(parse(b"SET TLSPORT 411"), "TLSPORT")["9611 H323"]
    '411'
    """
    return {
        profile: None if setting is None else setting.value
        for profile, setting in settings_per_profile(doc, name, loader).items()
    }
