"""What the public API offers of the member portal without importing it (nothing imports the
portal, docs/ARCHITECTURE.md): the portal registers its one service for asking for a sign-in
link when it is ready (portal.apps), and the API calls it through here. Like billing's effects
registry, the caller knows the step, not who performs it."""

from collections.abc import Callable

from core.exceptions import ServiceError

Requester = Callable[..., None]
_requester: list[Requester] = []


def register_sign_in_link_requester(requester: Requester) -> None:
    """`requester(email=..., client=...)`: mail a sign-in link when the address is a contact's,
    answering the same when it is not; raises TooManyRequests when over its limits."""
    _requester[:] = [requester]


def request_sign_in_link(*, email: str, client: str | None) -> None:
    if not _requester:
        raise ServiceError("The member portal is not installed on this site.")
    _requester[0](email=email, client=client)
