"""nameko adapters of the shared plumbing: database, relay, reliable event handling, RPC deadlines."""

from nameko.exceptions import deserialize_to_instance

from crm_shared.errors import ALL_ERRORS

# Typed errors cross RPC as themselves instead of as nameko's generic RemoteError.
for _error in ALL_ERRORS:
    deserialize_to_instance(_error)
