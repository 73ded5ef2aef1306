"""National clinic directory: clinics known by province, city, name and phone, without a location.

The 2020 national list of fever clinics (6,753 clinics in 31 provinces and 369 cities) has no coordinates, so its
entries are never routed and never shown as located: callers find them by province and city and phone them. An entry
that later gets a cited location becomes a located clinic of the registry under the same id
(:func:`fevermap.directory.store.DirectoryStore.locate`), and keeps its directory history.
"""
