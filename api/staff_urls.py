"""The staff API (/api/v1/): token or staff session, Django model permissions."""

urlpatterns: list = []
