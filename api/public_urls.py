"""The website's API (/api/v1/public/): see CONTRACT.md."""

urlpatterns: list = []
