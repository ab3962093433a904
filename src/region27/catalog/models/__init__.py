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
from region27.catalog.models.revision import EntryRevision, RevisionState

__all__ = [
    "DatasetDetail",
    "Distribution",
    "Entry",
    "EntryRevision",
    "EntryVersion",
    "FailureDetail",
    "Frequency",
    "KitDetail",
    "KitItem",
    "RevisionState",
    "ServiceDetail",
    "SlugRedirect",
    "SoftwareDetail",
    "Status",
    "StudyDetail",
    "Theme",
]
