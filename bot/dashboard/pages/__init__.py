"""The dashboard's pages: one module each, with ``add_routes(app)``, found by
bot/dashboard/app.py."""
