"""The CRM's admin, a module per aggregate; importing them registers their pages."""

from django.contrib import admin

from crm.admin import benefits, dues, investors, memberships, organizations, pipeline, plans, queues

admin.site.site_header = "MetroHartford Alliance CRM"
admin.site.site_title = "Chamber CRM"
admin.site.index_title = "Members, investors, billing and events"

__all__ = [
    "benefits",
    "dues",
    "investors",
    "memberships",
    "organizations",
    "pipeline",
    "plans",
    "queues",
]
