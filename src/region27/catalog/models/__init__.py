from region27.catalog.models.entry import Entry, EntryVersion, SlugRedirect, Status, Theme
from region27.catalog.models.kinds import (
    DatasetDetail,
    Distribution,
    FailureDetail,
    Frequency,
    KitDetail,
    KitItem,
    ServiceDetail,
    SoftwareDetail,
    StudyDetail,
)

__all__ = [
    "DatasetDetail",
    "Distribution",
    "Entry",
    "EntryVersion",
    "FailureDetail",
    "Frequency",
    "KitDetail",
    "KitItem",
    "ServiceDetail",
    "SlugRedirect",
    "SoftwareDetail",
    "Status",
    "StudyDetail",
    "Theme",
]
