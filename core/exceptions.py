class ServiceError(Exception):
    """A write was refused; the message says why, in words staff and callers can act on.

    The API answers 409 (conflict with the current state) for these, the admin shows the message.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class TransitionNotAllowed(ServiceError):
    pass


class InvalidData(ServiceError):
    """The values given break one of the model's rules (a bad address, a duplicate email): the
    caller's input is wrong rather than the record's state, so the API answers 400."""


class TooManyRequests(ServiceError):
    """Asked too often (sign-in links for one address or from one client): the API answers 429,
    pages say to wait."""
