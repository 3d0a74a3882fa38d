from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Member portal"

    def ready(self) -> None:
        from core.portal_links import register_sign_in_link_requester
        from portal.services import portal_request_sign_in_link

        register_sign_in_link_requester(portal_request_sign_in_link)
