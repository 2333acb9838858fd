"""Toegang (admins only): who may use the dashboard.

Lists the coordinators and admins (by Telegram id: staff data, shown to admins only) with
their places; an admin changes a coordinator's places, makes a coordinator an admin, or
removes someone (never themselves, so there is always an admin). Everyone else gets 403,
on the page and on every form. Each form posts with the session's CSRF token and then
comes back to the list (post, redirect, get). New coordinators come through a coordinator
invitation (pages/uitnodigingen.py) or ``taalmaatje coordinator add``.
"""

from __future__ import annotations

from aiohttp import web

from bot.dashboard.common import (
    PREFIX,
    Viewer,
    admin_only,
    current,
    deps_of,
    page_error,
    place_name,
    posted,
    render,
)

PAGE = f"{PREFIX}coordinatoren"
DONE = ("plaatsen", "beheerder", "verwijderd")  # ?klaar=: what the last form did


def add_routes(app: web.Application) -> None:
    app.router.add_get(PAGE, page)
    app.router.add_post(f"{PAGE}/plaatsen", set_places)
    app.router.add_post(f"{PAGE}/beheerder", make_admin)
    app.router.add_post(f"{PAGE}/verwijderen", remove)


async def page(request: web.Request) -> web.StreamResponse:
    viewer = await current(request)
    admin_only(request, viewer)
    deps = deps_of(request)
    texts = deps.texts["coordinatoren"]
    done = request.query.get("klaar", "")
    people = []
    for person in deps.coordinators.list_all():
        names = [place_name(deps, p) for p in deps.places if p in person.places]
        people.append({
            "id": person.telegram_id, "admin": person.admin,
            "me": person.telegram_id == viewer.coordinator.telegram_id,
            "places": [(p, town, p in person.places) for p, town in deps.places.items()],
            "summary": texts["all_places"] if person.admin
            else texts["places_of"].format(plaatsen=", ".join(names) or texts["no_places"]),
        })  # fmt: skip
    context = {
        "viewer": viewer, "page_title": texts["title"], "people": people,
        "notice": texts["done"][done] if done in DONE else "",
    }  # fmt: skip
    return render(request, "coordinators.html", context)


async def _chosen(request: web.Request) -> tuple[Viewer, int]:
    """An admin's posted form (CSRF checked) about one coordinator: (viewer, their id)."""
    viewer, form = await posted(request)
    admin_only(request, viewer)
    try:
        telegram_id = int(str(form.get("id", "")))
    except ValueError:
        telegram_id = 0
    if deps_of(request).coordinators.get(telegram_id) is None:
        raise page_error(request, deps_of(request).texts["coordinatoren"]["unknown"], 404)
    return viewer, telegram_id


async def set_places(request: web.Request) -> web.StreamResponse:
    _, telegram_id = await _chosen(request)
    deps = deps_of(request)
    form = await request.post()  # aiohttp keeps the parsed form: every ticked "plek"
    places = [p for p in deps.places if p in form.getall("plek", [])]
    if not places:
        raise page_error(request, deps.texts["coordinatoren"]["choose_a_place"], 400)
    deps.coordinators.set_places(telegram_id, places)
    raise web.HTTPSeeOther(f"{PAGE}?klaar=plaatsen")


async def make_admin(request: web.Request) -> web.StreamResponse:
    _, telegram_id = await _chosen(request)
    deps_of(request).coordinators.make_admin(telegram_id)
    raise web.HTTPSeeOther(f"{PAGE}?klaar=beheerder")


async def remove(request: web.Request) -> web.StreamResponse:
    viewer, telegram_id = await _chosen(request)
    deps = deps_of(request)
    if telegram_id == viewer.coordinator.telegram_id:
        raise page_error(request, deps.texts["coordinatoren"]["not_yourself"], 403)
    deps.coordinators.remove(telegram_id)
    raise web.HTTPSeeOther(f"{PAGE}?klaar=verwijderd")
