"""A call's recording, from the provider to the listener and back out of storage.

A call that ends with a recording is *At Provider*: the site streams it from the provider's API or host
to whoever may listen (`access`, `playback`). Where the provider is set to copy recordings, a background
job copies it into a private file of the site (*On Site*), checks it, and may then delete it at the
provider (`copy`). `storage` reports what recordings cost and deletes old ones; `retention` does that
daily by the settings; `archive` zips many for download.
"""
